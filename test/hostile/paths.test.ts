import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, symlinkSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE_SCRIPT } from '../../src/daemon/mount-gate.js';
import { shared } from '../helpers/env.js';
import { HELLO, makeModule } from '../helpers/gobox.js';
import { daemonSandboxes, fingerprint, privateDirOf, rawRequest, socketOf, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

describe('daemon: project path safety', () => {
  let d: TestDaemon;
  const [a, b] = [shared.users[0]!, shared.users[1]!];
  let dirA: string;
  let dirB: string;
  let secretDir: string;
  let before: string;

  beforeAll(async () => {
    d = await startTestDaemon([a.name, b.name]);
    dirA = makeModule(HELLO, a);
    dirB = makeModule(HELLO, b);
    secretDir = privateDirOf(b);
    before = fingerprint([dirB, secretDir, '/etc/passwd']);
  });
  afterAll(async () => {
    await d?.stop();
    expect(daemonSandboxes(d)).toEqual([]);
    expect(fingerprint([dirB, secretDir, '/etc/passwd'])).toBe(before);
  });

  it('refuses a project path that is a symlink to /etc', async () => {
    const link = path.join(dirA, 'etc-link');
    symlinkSync('/etc', link);
    const r = await d.run(a.name, ['run', 'ls'], { cwd: link });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('refused project directory /etc');
    expect(r.stdout).toBe('');
  });

  it("refuses another user's directory", async () => {
    const r = await d.run(a.name, ['run', 'cat', 'go.mod'], { cwd: dirB });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('refused project directory');
    expect(r.stdout).toBe('');
  });

  it('refuses a readable directory inside an unreadable one', async () => {
    const r = await d.run(a.name, ['run', 'cat', 'secret.txt'], { cwd: path.join(secretDir, 'inner') });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/refused project directory .*(permission denied|another user's home)/);
    expect(r.stdout).not.toContain('TOP-SECRET');
    // Also outside any home: only the permission check stands in the way.
    const locked = mkdtempSync('/tmp/gobox-hd-locked-');
    mkdirSync(path.join(locked, 'inner'));
    execFileSync('sh', ['-c', `echo TOP-SECRET > ${locked}/inner/secret.txt && chown -R ${b.uid}:${b.gid} ${locked} && chmod 700 ${locked} && chmod 755 ${locked}/inner && chmod 644 ${locked}/inner/secret.txt`]);
    const r2 = await d.run(a.name, ['run', 'cat', 'secret.txt'], { cwd: path.join(locked, 'inner') });
    expect(r2.code).toBe(125);
    expect(r2.stderr).toContain('permission denied');
    expect(r2.stdout).not.toContain('TOP-SECRET');
  });

  it('the mount gate refuses a mount that is not the checked directory, before the command runs', () => {
    const dir = makeModule(HELLO, a);
    const st = statSync(dir);
    const gate = (dev: number, ino: number) => {
      try {
        execFileSync('docker', ['run', '--rm', '--label', 'gobox.test=gate', '--user', `${a.uid}:${a.gid}`, '-v', `${dir}:${dir}`, 'gobox-base:bookworm',
          '/bin/sh', '-c', GATE_SCRIPT, 'gobox-gate', dir, String(dev), String(ino), dir, 'touch', `${dir}/ran`], { stdio: 'pipe' });
        return 0;
      } catch (e) {
        return (e as { status: number }).status;
      }
    };
    expect(gate(st.dev, st.ino + 1)).toBe(125);
    expect(existsSync(`${dir}/ran`)).toBe(false);
    expect(gate(st.dev, st.ino)).toBe(0);
    expect(existsSync(`${dir}/ran`)).toBe(true);
  });

  it('a path swapped for a symlink between check and mount, in a loop, never exposes the target', async () => {
    const base = mkdtempSync('/tmp/gobox-hd-swap-');
    const proj = path.join(base, 'proj');
    mkdirSync(proj);
    execFileSync('sh', ['-c', `printf 'module swap\\n\\ngo 1.22\\n' > ${proj}/go.mod && chown -R ${a.uid}:${a.gid} ${base} && chmod 755 ${base}`]);
    // A's swapper: proj is a directory, then gone, then a symlink to B's secret, then the directory again.
    const swap = `cd ${base}; while :; do mv proj real; ln -s ${secretDir}/inner proj; sleep 0.05; rm proj; ln -s /etc proj; sleep 0.05; rm proj; mv real proj; sleep 0.2; done`;
    const swapper = spawn('/usr/sbin/runuser', ['-u', a.name, '--', 'sh', '-c', swap], { stdio: 'ignore', detached: true });
    const seen: { code: number | null; out: string; err: string; gate: boolean }[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        // A raw request: the path is only a string in it, whatever exists at the moment.
        const req = { v: 1, op: 'run', cwd: proj, command: ['sh', '-c', 'cat secret.txt passwd go.mod 2>/dev/null; ls'], stdin: false };
        const r = rawRequest(socketOf(d, a.uid), Buffer.from(JSON.stringify(req) + '\n'), { user: a.name, holdMs: 60_000 });
        const out = (r.frames ?? []).filter((f) => f.type === 10).map((f) => f.text).join('');
        const exit = (r.frames ?? []).find((f) => f.type === 14 || f.type === 15);
        const err = (r.frames ?? []).filter((f) => f.type === 11 || f.type === 15).map((f) => f.text).join('');
        seen.push({ code: exit ? (JSON.parse(exit.text) as { exitCode: number }).exitCode : null, out, err, gate: err.includes("not the one that was checked") });
      }
    } finally {
      process.kill(-swapper.pid!, 'SIGKILL');
    }
    for (const s of seen) {
      expect(s.out).not.toContain('TOP-SECRET');
      expect(s.out).not.toContain('root:x:0:0');
    }
    // Each run either saw A's own project or was refused with 125; nothing else.
    for (const s of seen) expect(s.code === 0 ? s.out.includes('module swap') : s.code === 125, JSON.stringify(s)).toBe(true);
    console.log(`swap loop outcomes: ${seen.map((s) => (s.gate ? 'gate' : s.code)).join(' ')}`);
  });
});
