import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect, gobox, HELLO, makeModule, profileHome, spawnGobox, waitFor } from '../helpers/gobox.js';
import { preparePodmanUser } from '../helpers/podman.js';
import { shared } from '../helpers/env.js';

/**
 * The rest of the issue-2 contract on rootless Podman (podman-rootless.test.ts has the first
 * part): the same behaviour as on Docker, run by a user whose only engine is their own Podman.
 * Rootless Podman on cgroup v1 warns that limits will not hold; that line is not the command's.
 */
let user: { name: string; uid: number; gid: number };
const asUser = (args: string[], cwd: string, input?: string) => gobox(args, { cwd, user: user.name, ...(input === undefined ? {} : { input }) });
const commandStderr = (s: string) => s.split('\n').filter((l) => l && !l.startsWith('gobox: warning: these limits will NOT hold')).join('\n');

/** Sandboxes with a label (helpers carry the pid label too), as the user's own Podman service lists them. */
function podmanSandboxes(label: string): string[] {
  const filters = encodeURIComponent(JSON.stringify({ label: [label, 'gobox.kind=sandbox'] }));
  const out = execFileSync('runuser', ['-u', user.name, '--', 'curl', '-sf', '--unix-socket', `/run/user/${user.uid}/podman/podman.sock`, `http://d/v1.41/containers/json?all=1&filters=${filters}`], { encoding: 'utf8' });
  return (JSON.parse(out) as { Id: string }[]).map((c) => c.Id);
}

/** The gobox client itself (runuser sits in between and does not pass signals on). */
function clientPid(marker: string): number | undefined {
  const out = execFileSync('sh', ['-c', `pgrep -u ${user.uid} -f "${marker}" || true`], { encoding: 'utf8' }).trim();
  return out ? Number(out.split('\n')[0]) : undefined;
}

describe('rootless Podman: the rest of the sandbox contract', () => {
  beforeAll(() => {
    user = preparePodmanUser();
  }, 300_000);

  it('forwards stdin and runs in the host cwd, with the project at its host path', async () => {
    const dir = makeModule({ ...HELLO, 'sub/x.txt': 'x' }, user);
    const r = await asUser(['run', 'sh', '-c', 'pwd; ls x.txt; tr a-z A-Z'], path.join(dir, 'sub'), 'piped\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${path.join(dir, 'sub')}\nx.txt\nPIPED\n`);
  });

  it('exports no GOROOT, pins GOTOOLCHAIN=local and gives an empty /tmp to the next run', async () => {
    const dir = makeModule(HELLO, user);
    const first = await asUser(['run', 'sh', '-c', 'echo "GOROOT=${GOROOT:-unset}"; go env GOROOT GOTOOLCHAIN; echo x > /tmp/leftover'], dir);
    expect(first.stdout).toBe('GOROOT=unset\n/usr/local/go\nlocal\n');
    const second = await asUser(['run', 'sh', '-c', 'ls /tmp/leftover 2>/dev/null || echo gone'], dir);
    expect(second.stdout).toBe('gone\n');
  });

  it('chooses between two real toolchains from go.mod and .go-version', async () => {
    const newer = makeModule({ 'go.mod': 'module x\n\ngo 1.22\n' }, user);
    expect((await asUser(['run', 'go', 'version'], newer)).stdout).toContain(`go${shared.goNew} `);
    const older = makeModule({ ...HELLO, 'go.mod': 'module example.com/hello\n\ngo 1.19\n', '.go-version': `${shared.goOld}\n` }, user);
    const r = await asUser(['run', 'go', 'run', '.'], older);
    expect(r.stdout).toBe('hello, sandbox\n');
    expect((await asUser(['run', 'go', 'version'], older)).stdout).toContain(`go${shared.goOld} `);
  });

  it('stops a command at the wall-clock limit with exit 124 (gobox enforces it, not the cgroup)', async () => {
    const home = profileHome({ short: 'limits:\n  timeout: 3s\n' }, user);
    const r = await gobox(['-p', 'short', 'run', 'sleep', '600'], { cwd: makeModule(HELLO, user), user: user.name, env: { XDG_CONFIG_HOME: home } });
    expect(r.code).toBe(124);
    expect(r.stderr).toContain('gobox: timed out after 3s');
  });

  it('says command not found (127) in its own words', async () => {
    const r = await asUser(['run', 'no-such-command'], makeModule(HELLO, user));
    expect(r.code).toBe(127);
    expect(commandStderr(r.stderr)).toBe('gobox: no-such-command: command not found in the sandbox');
  });

  it('Ctrl-C reaches the command: 130, and the container is gone from the user\'s Podman', async () => {
    const dir = makeModule(HELLO, user);
    const child = spawnGobox(['run', 'sleep', '901'], { cwd: dir, user: user.name });
    const done = collect(child);
    const pid = await waitFor(() => clientPid('bin.js run sleep 901'), 30_000);
    await waitFor(() => podmanSandboxes(`gobox.pid=${pid}`).length > 0, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    process.kill(pid, 'SIGINT');
    expect((await done).code).toBe(130);
    expect(podmanSandboxes(`gobox.pid=${pid}`)).toEqual([]);
  });

  it('a SIGKILLed gobox leaves a sandbox that gobox gc removes', async () => {
    const dir = makeModule(HELLO, user);
    const child = spawnGobox(['run', 'sleep', '902'], { cwd: dir, user: user.name });
    const done = collect(child);
    const pid = await waitFor(() => clientPid('bin.js run sleep 902'), 30_000);
    await waitFor(() => podmanSandboxes(`gobox.pid=${pid}`).length > 0, 30_000);
    process.kill(pid, 'SIGKILL');
    await done;
    expect(podmanSandboxes(`gobox.pid=${pid}`)).toHaveLength(1);
    const gc = await asUser(['gc', '--json'], dir);
    expect(gc.code).toBe(0);
    expect(podmanSandboxes(`gobox.pid=${pid}`)).toEqual([]);
  });
  it('serves runs through the warm agent, in sandboxes started ahead in the user\'s Podman', async () => {
    const dir = makeModule(HELLO, user);
    const on = { GOBOX_AGENT: 'on', GOBOX_AGENT_IDLE: '60s' };
    const run = (args: string[], input: string) => gobox(args, { cwd: dir, user: user.name, env: on, input });
    const agents = () => execFileSync('sh', ['-c', `pgrep -u ${user.uid} -f "bin.js agent" || true`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    const log = () => {
      try {
        return readFileSync(readlinkSync(`/proc/${agents()[0]}/fd/2`), 'utf8');
      } catch {
        return '';
      }
    };
    try {
      expect((await run(['run', 'true'], '')).code).toBe(0); // in-process; starts the agent
      await waitFor(() => log().includes(`serving uid ${user.uid}`), 30_000);
      const first = await run(['run', 'sh', '-c', 'cat; exit 4'], 'through\n');
      expect([first.code, first.stdout, commandStderr(first.stderr)]).toEqual([4, 'through\n', '']);
      // The next sandbox is started ahead, in the user's own Podman, and the next run takes it.
      await waitFor(() => podmanSandboxes('gobox.warm=true').length === 1, 30_000);
      const waiting = podmanSandboxes('gobox.warm=true')[0];
      const second = await run(['run', 'sh', '-c', 'cat; id -u; exit 5'], 'again\n');
      expect([second.code, second.stdout, commandStderr(second.stderr)]).toEqual([5, `again\n${user.uid}\n`, '']);
      expect(podmanSandboxes('gobox.warm=true')).not.toContain(waiting);
      expect(log().match(/served run/g)).toHaveLength(2);
    } finally {
      for (const p of agents()) process.kill(p, 'SIGTERM');
      await waitFor(() => agents().length === 0, 20_000);
    }
    // The agent removed the sandbox it had started ahead.
    expect(podmanSandboxes('gobox.warm=true')).toEqual([]);
  });
});
