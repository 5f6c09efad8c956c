import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule, profileHome, waitFor, type GoboxResult } from '../helpers/gobox.js';
import { podmanAs, preparePodmanUser } from '../helpers/podman.js';
import { shared } from '../helpers/env.js';

/**
 * The sandbox contract on a test user's rootless Podman (a representative subset of the
 * Docker suite: the whole suite per engine would not fit CI's budget). The user is not in the
 * docker group, so gobox finds, and starts on demand, the user's own Podman service.
 */
let user: { name: string; uid: number; gid: number };
const asUser = (args: string[], cwd: string, env: Record<string, string> = {}) => gobox(args, { cwd, user: user.name, env });

function serviceRunning(): boolean {
  try {
    execFileSync('pgrep', ['-u', user.name, '-f', 'podman system service']);
    return true;
  } catch {
    return false;
  }
}

function oneLine(r: GoboxResult, ...parts: string[]): void {
  expect(r.code).toBe(125);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toContain(p);
}

describe('rootless Podman per user', () => {
  beforeAll(() => {
    user = preparePodmanUser();
    // Start from a missing image and no service: gobox must load the admin's archive and start Podman itself.
    podmanAs(['rmi', '-f', 'gobox-base:bookworm']);
  }, 300_000);

  it('starts the service, loads the image from the archive, and files written belong to the user', async () => {
    const dir = makeModule(HELLO, user);
    const r = await asUser(['run', 'sh', '-c', 'go build -o hello . && ./hello && id -u && id -g'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`hello, sandbox\n${user.uid}\n${user.gid}\n`);
    expect(r.stderr).toContain('Loaded sandbox image gobox-base:bookworm');
    const st = statSync(path.join(dir, 'hello'));
    expect([st.uid, st.gid]).toEqual([user.uid, user.gid]);
    expect(statSync(`/run/user/${user.uid}/podman/podman.sock`).uid).toBe(user.uid);
    expect(podmanAs(['images', '--format', '{{.Repository}}:{{.Tag}}'])).toContain('gobox-base:bookworm');
  });

  it('keeps the contract: exit status, separate streams, read-only GOROOT and root, tmpfs /tmp', async () => {
    const dir = makeModule(HELLO, user);
    const r = await asUser(['run', 'sh', '-c', 'echo out; echo err >&2; touch /usr/local/go/x 2>/dev/null || echo ro-goroot; touch /etc/x 2>/dev/null || echo ro-root; stat -f -c %T /tmp; exit 7'], dir);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('out\nro-goroot\nro-root\ntmpfs\n');
    expect(r.stderr.split('\n')).toContain('err');
  });

  it("keeps the cache in a volume in the user's own storage: the second build compiles nothing", async () => {
    const dir = makeModule({ 'go.mod': 'module example.com/pc\n\ngo 1.22\n', 'main.go': `package main\n\n// ${Date.now()}\nfunc main() {}\n` }, user);
    expect((await asUser(['run', 'go', 'build', '-x', '-o', '/tmp/o', '.'], dir)).stderr).toMatch(/\/compile /);
    expect((await asUser(['run', 'go', 'build', '-x', '-o', '/tmp/o', '.'], dir)).stderr).not.toMatch(/\/compile /);
    expect(podmanAs(['volume', 'ls', '--format', '{{.Name}}'])).toContain(`gobox-cache-${user.uid}`);
    const dockerVolumes = execFileSync('docker', ['volume', 'ls', '-q'], { encoding: 'utf8' });
    expect(dockerVolumes).not.toContain(`gobox-cache-${user.uid}\n`);
  });

  it('detects that limits do not hold here, warns by name, and the fork count proves it', async () => {
    const home = profileHome({ few: 'limits:\n  pids: 40\n  enforcement: best-effort\n' }, user);
    const dir = makeModule(HELLO, user);
    const r = await asUser(['-p', 'few', 'run', 'sh', '-c', '( for i in $(seq 60); do sleep 20 & done ); set -- /proc/[0-9]*; echo $#'], dir, { XDG_CONFIG_HOME: home });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('these limits will NOT hold on rootless podman');
    expect(r.stderr).toContain('pids 40');
    // The independent witness: more processes than the profile's pids limit ran.
    expect(Number(r.stdout.trim())).toBeGreaterThan(40);
  });

  it('refuses a profile that requires its limits, with the reason and the fix', async () => {
    const home = profileHome({ strict: 'limits:\n  enforcement: required\n' }, user);
    const r = await asUser(['-p', 'strict', 'run', 'true'], makeModule(HELLO, user), { XDG_CONFIG_HOME: home });
    oneLine(r, 'profile strict requires its limits', 'cgroup v1', 'memory 2g', 'fix: ');
  });

  it('doctor --json reports rootless Podman, the storage driver and the probed limits', async () => {
    const r = await asUser(['doctor', '--json'], makeModule(HELLO, user));
    const report = JSON.parse(r.stdout);
    expect(report.mode).toBe('direct (rootless podman via rootless Podman socket)');
    expect(report.engine).toMatchObject({ kind: 'podman', rootless: true, storageDriver: 'overlay', cgroupVersion: '1' });
    expect(report.engine.limits).toEqual({ memory: false, cpu: false, pids: false });
    expect(report.engine.runc).toMatch(/^1\.\d+\.\d+/);
    const checks = Object.fromEntries((report.findings as { check: string; status: string }[]).map((f) => [f.check, f.status]));
    expect(checks).toMatchObject({ rootless: 'ok', storage: 'ok', limits: 'warn', engine: 'ok' });
  });

  it('starts the service again when the last one died and left its socket behind', async () => {
    const sock = `/run/user/${user.uid}/podman/podman.sock`;
    execFileSync('pkill', ['-KILL', '-u', user.name, '-f', 'podman system service']);
    await waitFor(() => !serviceRunning());
    expect(statSync(sock).isSocket()).toBe(true);
    const r = await asUser(['run', 'go', 'version'], makeModule(HELLO, user));
    expect(r.stderr).not.toContain('no container engine answered');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^go version go1\.\d+/);
    expect(serviceRunning()).toBe(true);
  });

  it('refuses runsc on Podman with one line', async () => {
    const home = profileHome({ gv: 'runtime: runsc\nnetwork: none\n' }, user);
    oneLine(await asUser(['-p', 'gv', 'run', 'true'], makeModule(HELLO, user), { XDG_CONFIG_HOME: home }), 'runsc (gVisor) is not supported with rootless Podman');
  });
});

describe('rootless Podman: bad input is one line with the fix', () => {
  const other = () => shared.users[1]!;

  it("a rootless socket owned by someone else", async () => {
    const dir = mkdtempSync('/tmp/gobox-it-foreign-');
    chmodSync(dir, 0o755);
    const sock = path.join(dir, 'podman.sock');
    const server = net.createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      execFileSync('chown', [`${user.uid}:${user.gid}`, dir, sock]);
      chmodSync(sock, 0o666);
      const r = await gobox(['run', 'true'], { cwd: makeModule(HELLO, other()), user: other().name, env: { DOCKER_HOST: `unix://${sock}` } });
      oneLine(r, `refusing DOCKER_HOST ${sock}`, `belongs to uid ${user.uid}`);
    } finally {
      server.close();
    }
  });

  it('no subordinate ids', async () => {
    const name = 'gobox-it-nosub';
    try {
      execFileSync('id', ['-u', name], { stdio: 'ignore' });
    } catch {
      execFileSync('useradd', ['--create-home', '--uid', '23411', '--user-group', '--shell', '/bin/sh', name]);
    }
    execFileSync('sed', ['-i', `/^${name}:/d`, '/etc/subuid', '/etc/subgid']);
    mkdirSync('/run/user/23411', { recursive: true, mode: 0o700 });
    execFileSync('chown', [`${name}:${name}`, '/run/user/23411']);
    const r = await gobox(['run', 'true'], { cwd: makeModule(HELLO, { uid: 23411, gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim()) }), user: name, env: { GOBOX_ENGINE: 'podman' } });
    oneLine(r, `no subordinate uids/gids`, `usermod --add-subuids`);
  });

  it('Podman missing', async () => {
    const r = await gobox(['run', 'true'], { cwd: makeModule(HELLO, other()), user: other().name, env: { GOBOX_ENGINE: 'podman', PATH: '/nonexistent' } });
    oneLine(r, 'podman is not installed', 'apt-get install podman');
  });
});
