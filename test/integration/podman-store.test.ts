import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { gobox, HELLO, makeModule, REPO } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * Rootless Podman users on a host an administrator set up, with no logind session (`su -`,
 * cron): no /run/user/UID. They run the administrator's toolchains from the system store
 * without a copy of their own, and load the image root's gobox left for them, as the hint says.
 */
const P = { name: 'gobox-store-p', uid: 23621 };
const Q = { name: 'gobox-store-q', uid: 23622 };
let sys: string;
let ownStore: string;
let gidP: number;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The user's own processes (their Podman service, conmon) by pid, so nothing else is touched. */
function stopUserProcesses(uid: number): void {
  const pids = (() => {
    try {
      return sh('pgrep', ['-u', String(uid)]).split('\n').filter(Boolean);
    } catch {
      return [];
    }
  })();
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/**
 * A fresh rootless Podman user on a host without logind, as the setup script leaves them there
 * (GOBOX_NO_LOGIND=1): no /run/user/UID, their Podman set up in the /tmp fallback. Their Podman
 * state from an earlier run is deleted first, since Podman records its runtime dir at first use.
 */
function podmanUserWithoutLogind(u: { name: string; uid: number }, subidStart: number): void {
  ensureTestUser(u, { docker: false });
  stopUserProcesses(u.uid);
  for (const d of [`/run/user/${u.uid}`, `/tmp/podman-run-${u.uid}`, `/home/${u.name}/.local/share/containers`]) rmSync(d, { recursive: true, force: true });
  execFileSync('bash', [path.join(REPO, 'scripts', 'setup-podman-user.sh'), u.name, String(subidStart)], { env: { ...process.env, GOBOX_NO_LOGIND: '1' }, stdio: 'ignore' });
  stopUserProcesses(u.uid);
  // As after a reboot (/tmp emptied): gobox makes the directory again.
  rmSync(`/tmp/podman-run-${u.uid}`, { recursive: true, force: true });
}

const envP = () => ({ GOBOX_STATE_DIR: ownStore, GOBOX_SYSTEM_STATE_DIR: sys });
const asP = (args: string[], cwd = makeModule(HELLO, { uid: P.uid, gid: gidP })) => gobox(args, { cwd, user: P.name, env: envP() });
const asRoot = (args: string[]) => gobox(args, { cwd: '/', env: { GOBOX_STATE_DIR: sys, GOBOX_SYSTEM_STATE_DIR: sys } });
const podmanAsP = (args: string[]) =>
  sh('runuser', ['-u', P.name, '--', 'env', '-i', `HOME=/home/${P.name}`, `XDG_RUNTIME_DIR=/tmp/podman-run-${P.uid}`, 'PATH=/usr/bin:/bin', 'podman', ...args]);

describe('rootless Podman users: system store, image archive, no logind session', () => {
  beforeAll(async () => {
    podmanUserWithoutLogind(P, 2_362_100_000);
    gidP = Number(sh('id', ['-g', P.name]).trim());
    // The administrator's state dir, root's and read-only to users, with one toolchain in it.
    sys = mkdtempSync('/tmp/gobox-store-sys-');
    chmodSync(sys, 0o755);
    ownStore = `/home/${P.name}/.local/share/gobox`;
    rmSync(ownStore, { recursive: true, force: true });
    const imp = await asRoot(['toolchain', 'import', '/usr/local/go']);
    expect(imp.code, imp.stderr).toBe(0);
  }, 600_000);

  afterAll(() => {
    stopUserProcesses(P.uid);
    stopUserProcesses(Q.uid);
    if (sys) rmSync(sys, { recursive: true, force: true });
  });

  it("a user's run without the image says what the administrator runs; that command, as printed, makes a readable archive the run then loads", async () => {
    try {
      podmanAsP(['rmi', '-f', 'gobox-base:bookworm']);
    } catch {
      // no service state yet: nothing to remove
    }
    // What a plain `docker save -o` leaves (the hint of old): a file users cannot read, said as such.
    const archive = path.join(sys, 'images', 'gobox-base_bookworm.tar');
    mkdirSync(path.dirname(archive), { recursive: true, mode: 0o755 });
    execFileSync('docker', ['save', 'gobox-base:bookworm', '-o', archive]);
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const denied = await asP(['run', 'go', 'version']);
    expect(denied.code).toBe(125);
    expect(denied.stderr).toContain(`the image archive ${archive} is not readable for you (mode 600)`);
    expect(denied.stderr).toContain(`sudo chmod 0644 ${archive}`);
    rmSync(archive);
    const first = await asP(['run', 'go', 'version']);
    expect(first.code).toBe(125);
    const hint = /ask an administrator to run once: sudo (gobox image export[^(\n]*?) \(/.exec(first.stderr);
    expect(hint, first.stderr).not.toBeNull();
    const exported = await asRoot(hint![1]!.trim().split(/\s+/).slice(1));
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout.trim()).toBe(archive);
    expect(statSync(archive).mode & 0o777).toBe(0o644);
    const second = await asP(['run', 'go', 'version']);
    expect(second.stderr).toContain('Loaded sandbox image gobox-base:bookworm');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(`go version go${shared.goNew} linux/amd64\n`);
  });

  it('starts Podman in a private /tmp runtime dir of the user when /run/user/UID does not exist', () => {
    expect(existsSync(`/run/user/${P.uid}`)).toBe(false);
    const dir = statSync(`/tmp/podman-run-${P.uid}`);
    expect([dir.uid, dir.mode & 0o777]).toEqual([P.uid, 0o700]);
    expect(statSync(`/tmp/podman-run-${P.uid}/podman/podman.sock`).isSocket()).toBe(true);
  });

  it("runs the system store's toolchain with no copy of the user's own, and lists where each comes from", async () => {
    const list = JSON.parse((await asP(['toolchain', 'list', '--json'])).stdout) as { version: string; store: string; path: string }[];
    expect(list).toEqual([{ version: shared.goNew, name: `go${shared.goNew}`, store: 'system', path: path.join(sys, 'toolchains', `go${shared.goNew}`) }]);
    const again = await asP(['toolchain', 'import', '/usr/local/go']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already installed in the system store');
    // 0 bytes of toolchain for this user: nothing under their own store.
    expect(existsSync(path.join(ownStore, 'toolchains')) ? readdirSync(path.join(ownStore, 'toolchains')).filter((e) => e.startsWith('go')) : []).toEqual([]);
  });

  it("installs what the system store lacks into the user's own store; the system's is not theirs to remove", async () => {
    const imp = await asP(['toolchain', 'import', '/usr/lib/go-1.19']);
    expect(imp.code, imp.stderr).toBe(0);
    const table = (await asP(['toolchain', 'list'])).stdout;
    expect(table).toMatch(new RegExp(`go${shared.goNew}\\s+system\\s+${sys}/toolchains/go${shared.goNew}`));
    expect(table).toMatch(new RegExp(`go${shared.goOld}\\s+user\\s+${ownStore}/toolchains/go${shared.goOld}`));
    const r = await asP(['--go', shared.goOld, 'run', 'go', 'version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`go${shared.goOld}`);
    const rm = await asP(['toolchain', 'remove', shared.goNew]);
    expect(rm.code).toBe(125);
    expect(rm.stderr).toContain(`is in the system store ${sys}/toolchains, which only an administrator changes`);
    expect(existsSync(path.join(sys, 'toolchains', `go${shared.goNew}`, 'bin', 'go'))).toBe(true);
    expect((await asP(['toolchain', 'remove', shared.goOld])).code).toBe(0);
  });
});

describe('rootless Podman without logind: a runtime dir someone else made first', () => {
  beforeAll(() => {
    podmanUserWithoutLogind(Q, 2_362_200_000);
    ensureTestUser(P, { docker: false });
  }, 300_000);
  afterAll(() => rmSync(`/tmp/podman-run-${Q.uid}`, { recursive: true, force: true }));

  it('refuses it in one line, and doctor gives the fix for that finding, not "start Docker"', async () => {
    // Another user (P) made the name Q's gobox would use, hoping to receive Q's engine socket.
    rmSync(`/tmp/podman-run-${Q.uid}`, { recursive: true, force: true });
    mkdirSync(`/tmp/podman-run-${Q.uid}`, { mode: 0o700 });
    execFileSync('chown', [`${P.uid}:${P.uid}`, `/tmp/podman-run-${Q.uid}`]);
    const gid = Number(sh('id', ['-g', Q.name]).trim());
    const r = await gobox(['run', 'true'], { cwd: makeModule(HELLO, { uid: Q.uid, gid }), user: Q.name });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`refusing to start rootless Podman in /tmp/podman-run-${Q.uid}: it belongs to uid ${P.uid}`);
    const doc = await gobox(['doctor', '--json'], { cwd: '/tmp', user: Q.name });
    const engine = (JSON.parse(doc.stdout) as { findings: { check: string; status: string; fix: string }[] }).findings.find((f) => f.check === 'engine')!;
    expect(engine.status).toBe('fail');
    expect(engine.fix).toContain(`remove /tmp/podman-run-${Q.uid}`);
    expect(engine.fix).not.toContain('start Docker');
    expect(statSync(`/tmp/podman-run-${Q.uid}`).uid).toBe(P.uid);
    expect(readdirSync(`/tmp/podman-run-${Q.uid}`)).toEqual([]);
  });

  it('a Podman first used in a logind session, whose /run/user dir is gone (a reboot), gets the two ways out', async () => {
    rmSync(`/tmp/podman-run-${Q.uid}`, { recursive: true, force: true });
    rmSync(`/home/${Q.name}/.local/share/containers`, { recursive: true, force: true });
    // The plain setup makes /run/user/UID and Podman records it; then the host reboots.
    execFileSync('bash', [path.join(REPO, 'scripts', 'setup-podman-user.sh'), Q.name, '2362200000'], { stdio: 'ignore' });
    stopUserProcesses(Q.uid);
    rmSync(`/run/user/${Q.uid}`, { recursive: true, force: true });
    const gid = Number(sh('id', ['-g', Q.name]).trim());
    const r = await gobox(['run', 'true'], { cwd: makeModule(HELLO, { uid: Q.uid, gid }), user: Q.name });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`your Podman was first used with /run/user/${Q.uid} as its runtime dir, which does not exist now`);
    expect(r.stderr).toContain(`sudo install -d -m 0700 -o ${Q.uid} /run/user/${Q.uid}`);
    expect(r.stderr).toContain('podman system reset');
    stopUserProcesses(Q.uid);
  });
});
