import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule } from '../helpers/gobox.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { ensureTestUser } from '../helpers/users.js';

const a = (() => {
  const u = { name: 'gobox-daemon-a', uid: 23610 };
  ensureTestUser(u, { docker: false });
  return { ...u, gid: Number(execFileSync('id', ['-g', u.name], { encoding: 'utf8' }).trim()) };
})();

const docker = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

describe('daemon mode: admin kill, doctor and cache commands', () => {
  let d: TestDaemon;
  let dir: string;
  const made: string[] = [];

  beforeAll(async () => {
    d = await startTestDaemon([a.name]);
    dir = makeModule(HELLO, a);
  });
  afterAll(async () => {
    if (made.length) execFileSync('docker', ['rm', '-f', ...made], { stdio: 'ignore' });
    await d?.stop();
  });

  it('admin kill refuses a prefix that matches more than one sandbox, and kills nothing', async () => {
    // Sandbox-labelled containers (created, never started; made by this live test process, so no
    // sweep takes them; owned by an unused uid of this file's range) until two share a two-character prefix that no other sandbox has.
    const others = () => docker(['ps', '-aq', '--no-trunc', '--filter', 'label=gobox.kind=sandbox']).split('\n').filter((x) => x && !made.includes(x));
    let prefix: string | undefined;
    while (!prefix && made.length < 200) {
      made.push(docker(['create', '--label', 'gobox.managed=true', '--label', 'gobox.kind=sandbox', '--label', 'gobox.owner=23619',
        '--label', `gobox.pid=${process.pid}`, '--label', 'gobox.daemon-test=admin-kill', 'gobox-base:bookworm', 'true']));
      const p = made.at(-1)!.slice(0, 2);
      if (made.filter((id) => id.startsWith(p)).length === 2 && !others().some((id) => id.startsWith(p))) prefix = p;
    }
    expect(prefix).toBeDefined();
    const twins = made.filter((id) => id.startsWith(prefix!));
    const r = await gobox(['admin', 'kill', prefix!], { cwd: '/' });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`${prefix} matches 2 sandboxes`);
    for (const id of twins) expect(docker(['ps', '-aq', '--no-trunc', '--filter', `id=${id}`])).toBe(id);

    // A prefix long enough to name one kills that one only.
    const one = await gobox(['admin', 'kill', twins[0]!.slice(0, 12), '--json'], { cwd: '/' });
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual({ killed: [twins[0]!.slice(0, 12)] });
    expect(docker(['ps', '-aq', '--no-trunc', '--filter', `id=${twins[0]}`])).toBe('');
    expect(docker(['ps', '-aq', '--no-trunc', '--filter', `id=${twins[1]}`])).toBe(twins[1]);
    execFileSync('docker', ['rm', '-f', ...made.splice(0)], { stdio: 'ignore' });
  });

  it('gobox doctor says daemon mode and checks the socket', async () => {
    const r = await d.run(a.name, ['doctor', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.mode).toMatch(/^daemon \(socket .*\/u\/23610\/gobox\.sock\)$/);
    expect(report.findings).toContainEqual(expect.objectContaining({ check: 'daemon', status: 'ok' }));
    expect(report.findings.find((f: { check: string }) => f.check === 'daemon').detail).toContain('gets profile');

    await d.stop();
    try {
      const down = await d.run(a.name, ['doctor'], { cwd: dir });
      expect(down.code).toBe(1);
      expect(down.stdout).toContain('mode: daemon');
      expect(down.stdout).toMatch(/FAIL {2}daemon: nothing answers on .*: the daemon is not running/);
    } finally {
      await d.restart();
    }
  });

  it('gobox cache trim and clear go through the daemon for a user without engine access', async () => {
    expect((await d.run(a.name, ['run', 'go', 'build', '-o', '/tmp/x', '.'], { cwd: dir })).code).toBe(0);
    const trim = await d.run(a.name, ['cache', 'trim', '--to', '0', '--json'], { cwd: dir });
    expect(trim.stderr).toBe('');
    expect(trim.code).toBe(0);
    const t = JSON.parse(trim.stdout);
    expect(t).toMatchObject({ uid: a.uid, volume: `gobox-cache-${a.uid}`, targetBytes: 0 });
    expect(t.afterBytes).toBeLessThan(t.beforeBytes);

    expect((await d.run(a.name, ['run', 'go', 'build', '-o', '/tmp/x', '.'], { cwd: dir })).code).toBe(0);
    const clear = await d.run(a.name, ['cache', 'clear', '--json'], { cwd: dir });
    expect(clear.code).toBe(0);
    expect(JSON.parse(clear.stdout)).toMatchObject({ uid: a.uid, cleared: true });
    const info = JSON.parse((await d.run(a.name, ['cache', 'info', '--json'], { cwd: dir })).stdout);
    expect(info.buildBytes).toBeLessThan(64 * 1024);

    const reset = await d.run(a.name, ['cache', 'clear', '--reset'], { cwd: dir });
    expect(reset.code).toBe(125);
    expect(reset.stderr).toContain('only root may reset a cache');
    expect(d.audit().map((e) => e.event)).toEqual(expect.arrayContaining(['cache-trim', 'cache-clear']));
  });
});
