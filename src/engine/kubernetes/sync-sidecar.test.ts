import { describe, expect, it } from 'vitest';
import { gateCommand, withSyncSidecar, PID_FILE, SYNC_CONTAINER } from './sync-sidecar.js';

const pod = () => ({
  spec: {
    containers: [{ name: 'sandbox', image: 'img', imagePullPolicy: 'Never', command: ['go', 'version'], volumeMounts: [{ name: 'sync-1', mountPath: '/p', readOnly: true }], securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } }],
    volumes: [{ name: 'sync-1', emptyDir: {} }],
  },
});

describe('the gate and the sync container', () => {
  it('records the pid, waits for one line, then execs the command with its own arguments', () => {
    const argv = gateCommand(['go', 'test', '-run', 'A B'], '/p/sub dir', false);
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(argv[2]).toContain(`echo $$ > ${PID_FILE}`);
    expect(argv[2]).toMatch(/go\) break;; "sync "\*\) echo "gobox-\$line";; esac; done; \[ "\$line" = go \] \|\| exit 125; cd -- "\$1" \|\| exit 125; shift; exec "\$@"$/);
    // The directory and the command are positional arguments, never spliced into the script.
    expect(argv.slice(3)).toEqual(['gobox-gate', '/p/sub dir', 'go', 'test', '-run', 'A B']);
    expect(gateCommand(['sh'], '/', true)[2]).toContain('stty -echo');
  });

  it('doubles every $ so Kubernetes neither expands $(VAR) nor eats $$ in the user\'s command', () => {
    const p = withSyncSidecar(pod() as never, ['sh', '-c', 'echo $$ $(HOME) $x'], false, []) as { spec: { containers: { command: string[] }[] } };
    const cmd = p.spec.containers[0]!.command;
    expect(cmd.at(-1)).toBe('echo $$$$ $$(HOME) $$x');
    expect(cmd[2]).toContain('echo $$$$ > /gobox-ctl/pid');
  });

  it('adds a sync container that shares the project volumes read-write, the user and the hardening', () => {
    const p = withSyncSidecar(pod() as never, ['go', 'version'], false, [{ volume: 'sync-1', podPath: '/p' }]) as ReturnType<typeof pod> & { spec: { shareProcessNamespace?: boolean; containers: { name: string; stdin?: boolean; stdinOnce?: boolean; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[]; securityContext: object; command: string[] }[] } };
    const [sandbox, sync] = p.spec.containers;
    expect(p.spec.shareProcessNamespace).toBe(true);
    expect(sandbox!.stdin && sandbox!.stdinOnce).toBe(true);
    expect(sync!.name).toBe(SYNC_CONTAINER);
    expect(sync!.volumeMounts).toContainEqual({ name: 'sync-1', mountPath: '/p' });
    expect(sync!.securityContext).toEqual(sandbox!.securityContext);
    // It ignores the signals meant for the user's command, so it outlives it for the copy back.
    expect(sync!.command[2]).toMatch(/^trap "" INT TERM HUP/);
    expect(p.spec.volumes).toContainEqual({ name: 'control', emptyDir: { medium: 'Memory', sizeLimit: String(1024 ** 2) } });
  });
});
