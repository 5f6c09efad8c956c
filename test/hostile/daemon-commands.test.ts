import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOBOX, HELLO, makeModule } from '../helpers/gobox.js';
import { ensureNoDockerUser, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { typeIntoTty } from '../helpers/tty.js';

/** `gobox shell` typed into a real pseudo-terminal by a user without engine access. */
function shellThroughDaemon(d: TestDaemon, user: { name: string }, cwd: string, typed: string): Promise<{ code: number | null; screen: string }> {
  const envArgs = Object.entries({ PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm', HOME: `/home/${user.name}`, ...d.clientEnv }).map(([k, v]) => `${k}=${v}`);
  const inner = ['runuser', '-u', user.name, '--', 'env', '-i', ...envArgs, process.execPath, GOBOX, 'shell'].join(' ');
  return typeIntoTty(inner, cwd, process.env, typed);
}

describe('daemon: shell, env and cache info work through the socket', () => {
  let d: TestDaemon;
  let u: { name: string; uid: number; gid: number };
  let dir: string;
  beforeAll(async () => {
    u = ensureNoDockerUser();
    d = await startTestDaemon([u.name]);
    dir = makeModule(HELLO, u);
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('gobox shell gets a TTY, runs as the user and exits with the shell status', async () => {
    const r = await shellThroughDaemon(d, u, dir, 'tty; id -u; exit 4\n');
    expect(r.code).toBe(4);
    expect(r.screen).toMatch(/\/dev\/pts\/\d+/);
    expect(r.screen).toContain(`\n${u.uid}\r`);
  });

  it('gobox env says it came from the daemon', async () => {
    const r = await d.run(u.name, ['env', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).mode).toBe('daemon');
  });

  it("gobox cache info reports this user's cache, measured by the daemon", async () => {
    const build = await d.run(u.name, ['run', 'go', 'build', '-o', '/tmp/x', '.'], { cwd: dir });
    expect(build.code).toBe(0);
    const r = await d.run(u.name, ['cache', 'info', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.uid).toBe(u.uid);
    expect(info.volume).toBe(`gobox-cache-${u.uid}`);
    expect(info.buildBytes).toBeGreaterThan(0);
  });
});
