import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../../sandbox/types.js';
import { LAUNCH_FILE, launchScript, shapeDifference, shapeKey } from './pool.js';

const spec = (over: Partial<SandboxSpec> = {}): SandboxSpec => ({
  name: 'gobox-1000-aaaa',
  image: 'gobox-base:bookworm',
  command: ['go', 'build'],
  workdir: '/p',
  env: { PATH: '/usr/local/go/bin:/usr/bin', GOTOOLCHAIN: 'local' },
  labels: { 'gobox.session': 'aaaa', 'gobox.command': 'go build' },
  mounts: [
    { kind: 'bind', source: '/p', target: '/p', readonly: false },
    { kind: 'bind', source: '/tmp/gobox-id-1/passwd', target: '/etc/passwd', readonly: true },
    { kind: 'bind', source: '/tmp/gobox-id-1/group', target: '/etc/group', readonly: true },
  ],
  limits: { memoryBytes: 1, memorySwapBytes: 1, nanoCpus: 1, pids: 1, ulimits: [], logMaxBytes: 1 },
  security: { user: '1000:1000', capDrop: ['ALL'], capAdd: [], noNewPrivileges: true, readonlyRootfs: true, init: true, seccomp: 'no-tracing' },
  network: 'bridge',
  tty: false,
  stdin: true,
  ...over,
});

describe('launchScript', () => {
  it('hands sh every argument exactly as given: nothing expanded, split or globbed', () => {
    const args = ['a b', "it's", '$HOME', '*', '`id`', '"q"', '', 'tab\there', 'new\nline'];
    const script = launchScript(['printf', '[%s]', ...args]);
    const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: '/nowhere' } });
    expect(out).toBe(args.map((a) => `[${a}]`).join(''));
  });

  const failing = (command: string[]) => {
    try {
      execFileSync('/bin/sh', ['-c', launchScript(command)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { status: 0, stderr: '' };
    } catch (e) {
      return { status: (e as { status: number }).status, stderr: (e as { stderr: string }).stderr };
    }
  };

  it('says command not found, and cannot execute, in gobox words with a shell status', () => {
    expect(failing(['no-such-command-xyz', 'arg'])).toEqual({ status: 127, stderr: 'gobox: no-such-command-xyz: command not found in the sandbox\n' });
    const plain = path.join(mkdtempSync(path.join(os.tmpdir(), 'gobox-launch-')), 'data.txt');
    writeFileSync(plain, 'echo ran\n', { mode: 0o644 });
    expect(failing([plain])).toEqual({ status: 126, stderr: `gobox: ${plain}: cannot execute in the sandbox: permission denied\n` });
    expect(failing(['/etc'])).toEqual({ status: 126, stderr: 'gobox: /etc: cannot execute in the sandbox: permission denied\n' });
  });
});

describe('shapeKey', () => {
  it("ignores what is each run's own: name, labels, command and the per-sandbox files", () => {
    const warm = spec({
      name: 'gobox-1000-bbbb',
      command: ['/bin/sh', '-c', 'launcher'],
      labels: { 'gobox.session': 'bbbb' },
      mounts: [
        { kind: 'bind', source: '/p', target: '/p', readonly: false },
        { kind: 'bind', source: '/tmp/gobox-id-2/passwd', target: '/etc/passwd', readonly: true },
        { kind: 'bind', source: '/tmp/gobox-id-2/group', target: '/etc/group', readonly: true },
        { kind: 'bind', source: '/tmp/gobox-id-2/launch', target: LAUNCH_FILE, readonly: true },
      ],
    });
    expect(shapeKey(warm)).toBe(shapeKey(spec()));
  });

  it('differs in anything else: directory, environment, limits, network, user, TTY, image', () => {
    const base = shapeKey(spec());
    for (const over of [
      { workdir: '/p/sub' },
      { env: { PATH: '/usr/bin', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' } },
      { limits: { ...spec().limits, memoryBytes: 2 } },
      { network: 'none' },
      { security: { ...spec().security, user: '1001:1001' } },
      { tty: true },
      { image: 'other:1' },
      { mounts: [{ kind: 'bind' as const, source: '/q', target: '/q', readonly: false }] },
    ]) {
      expect(shapeKey(spec(over)), JSON.stringify(over)).not.toBe(base);
    }
  });
});

describe('shapeDifference', () => {
  it('names the parts of two shapes that differ, and the environment variables by name only', () => {
    const base = shapeKey(spec());
    expect(shapeDifference(base, shapeKey(spec({ workdir: '/p/sub', env: { PATH: '/usr/bin', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' } })))).toBe('workdir; env PATH, GOFLAGS');
    expect(shapeDifference(base, shapeKey(spec({ tty: true })))).toBe('tty');
    expect(shapeDifference(base, base)).toBe('nothing');
  });
});
