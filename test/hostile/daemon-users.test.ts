import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELLO, makeModule, waitFor } from '../helpers/gobox.js';
import { socketOf, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { ensureTestUser } from '../helpers/users.js';
import { socketListening } from '../../src/common/socket-probe.js';

const [a, b, hidden] = [
  { name: 'gobox-daemon-a', uid: 23610 },
  { name: 'gobox-daemon-b', uid: 23611 },
  // Known to NSS by name, left out of its enumeration, as sssd with enumerate = false does.
  { name: 'gobox-daemon-c', uid: 23612 },
].map((u) => {
  ensureTestUser(u, { docker: false });
  return { ...u, gid: Number(execFileSync('id', ['-g', u.name], { encoding: 'utf8' }).trim()) };
}) as [{ name: string; uid: number; gid: number }, { name: string; uid: number; gid: number }, { name: string; uid: number; gid: number }];

/** A group whose members NSS does not enumerate: only `id -Gn` (initgroups) shows it. */
const GROUP = 'gobox-daemon-g';
try {
  execFileSync('getent', ['group', GROUP], { stdio: 'ignore' });
} catch {
  execFileSync('groupadd', ['--gid', '23619', GROUP]);
}
execFileSync('usermod', ['-aG', GROUP, hidden.name]);

/**
 * A getent in front of the real one: it leaves the hidden user and GROUP out of enumerations, and
 * fails outright (as a dead sssd or LDAP makes it) while the flag file exists.
 */
function fakeGetent(): { dir: string; flag: string } {
  const dir = mkdtempSync('/tmp/gobox-daemon-nss-');
  chmodSync(dir, 0o755);
  const flag = path.join(dir, 'down');
  writeFileSync(path.join(dir, 'getent'), `#!/bin/sh
if [ -e ${flag} ]; then echo "getent: NSS backend down" >&2; exit 1; fi
if [ "$#" = 1 ]; then /usr/bin/getent "$@" | grep -v -e '^${hidden.name}:' -e '^${GROUP}:'; exit 0; fi
exec /usr/bin/getent "$@"
`, { mode: 0o755 });
  return { dir, flag };
}

describe('daemon: who is served, and whose homes are off limits, when NSS misbehaves', () => {
  let d: TestDaemon;
  let nss: { dir: string; flag: string };
  let dirA: string;
  /** A project in b's home that a can read: only the other-homes rule keeps a out of it. */
  const inB = `/home/${b.name}/gobox-daemon-project`;

  beforeAll(async () => {
    nss = fakeGetent();
    chmodSync(`/home/${b.name}`, 0o755);
    mkdirSync(inB, { recursive: true });
    for (const [name, text] of Object.entries(HELLO)) writeFileSync(path.join(inB, name), text);
    execFileSync('chmod', ['-R', 'a+rX', inB]);
    execFileSync('chown', ['-R', `${b.uid}:${b.gid}`, inB]);
    d = await startTestDaemon([a.name, b.name, hidden.name], undefined, { PATH: `${nss.dir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    dirA = makeModule(HELLO, a);
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(nss.dir, { recursive: true, force: true });
    rmSync(inB, { recursive: true, force: true });
    chmodSync(`/home/${b.name}`, 0o700);
  });

  it('serves a listed user whom NSS does not enumerate (looked up by name)', async () => {
    expect(execFileSync(path.join(nss.dir, 'getent'), ['passwd'], { encoding: 'utf8' })).not.toContain(hidden.name);
    const dir = makeModule(HELLO, hidden);
    const r = await d.run(hidden.name, ['run', 'id', '-u'], { cwd: dir });
    expect(r.stdout).toBe(`${hidden.uid}\n`);
    expect(r.code).toBe(0);
  });

  it('keeps every socket and the other-homes rule when getent fails on a reload', async () => {
    const before = await d.run(a.name, ['run', 'true'], { cwd: inB });
    expect(before.code).toBe(125);
    expect(before.stderr).toContain(`another user's home /home/${b.name}`);

    writeFileSync(nss.flag, '');
    try {
      const from = d.log().length;
      d.child.kill('SIGHUP');
      await waitFor(() => d.log().slice(from).includes('keeping the 3 socket(s)'), 10_000).catch(() => {});
      for (const u of [a, b, hidden]) expect(await socketListening(socketOf(d, u.uid)), u.name).toBe(true);
      expect(d.log()).toContain("cannot read the host's passwd database");

      const ok = await d.run(a.name, ['run', 'echo', 'still served'], { cwd: dirA });
      expect(ok.stdout).toBe('still served\n');
      const refused = await d.run(a.name, ['run', 'true'], { cwd: inB });
      expect(refused.code).toBe(125);
      expect(refused.stderr).toContain(`another user's home /home/${b.name}`);
    } finally {
      rmSync(nss.flag, { force: true });
    }
    expect(existsSync(socketOf(d, b.uid))).toBe(true);
  });
});

describe('daemon: a user NSS does not enumerate gets a socket on first need', () => {
  let d: TestDaemon;
  let nss: { dir: string; flag: string };
  beforeAll(async () => {
    nss = fakeGetent();
    // Every login user the enumeration shows, which leaves the hidden one out.
    d = await startTestDaemon([], 'serve:\n  users: all\n', { PATH: `${nss.dir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(nss.dir, { recursive: true, force: true });
  });

  it('asks the daemon (a knock it can trust: the file is the user\'s) and runs through the new socket', async () => {
    expect(existsSync(path.dirname(socketOf(d, hidden.uid)))).toBe(false);
    expect(existsSync(path.dirname(socketOf(d, a.uid)))).toBe(true);
    const dir = makeModule(HELLO, hidden);
    const r = await d.run(hidden.name, ['run', 'id', '-u'], { cwd: dir });
    expect(r.stdout).toBe(`${hidden.uid}\n`);
    expect(r.code).toBe(0);
    expect(d.log()).toContain(`serving ${hidden.name} (${hidden.uid}), who asked for a socket`);
    // Root's knocks, or anything else in the knock directory, give nobody a socket.
    writeFileSync(path.join(d.runDir, 'knock', 'root-knock'), '');
    await waitFor(() => !existsSync(path.join(d.runDir, 'knock', 'root-knock')), 5_000);
    expect(existsSync(path.join(d.runDir, 'u', '0'))).toBe(false);
  });
});

describe('daemon: group rules hold for groups NSS does not enumerate', () => {
  let d: TestDaemon;
  let nss: { dir: string; flag: string };
  beforeAll(async () => {
    nss = fakeGetent();
    const config = `serve:\n  users: [${hidden.name}]\npolicy:\n  rules:\n    - groups: [${GROUP}]\n      allowedProfiles: [hostile]\n`;
    d = await startTestDaemon([], config, { PATH: `${nss.dir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(nss.dir, { recursive: true, force: true });
  });

  it("applies the rule of a group the user is in at login, though getent group does not list it", async () => {
    expect(execFileSync(path.join(nss.dir, 'getent'), ['group'], { encoding: 'utf8' })).not.toContain(GROUP);
    const dir = makeModule(HELLO, hidden);
    const refused = await d.run(hidden.name, ['run', 'true'], { cwd: dir });
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain("profile 'default' is not allowed for you by the policy (allowed: hostile)");
    const ok = await d.run(hidden.name, ['-p', 'hostile', 'run', 'id', '-u'], { cwd: dir });
    expect(ok.stdout).toBe(`${hidden.uid}\n`);
  });
});
