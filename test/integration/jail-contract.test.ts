import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gobox, profileHome, sandboxesWith } from '../helpers/gobox.js';
import { COMMIT_EPOCH, gitModule, jailUsers, STAMPED } from '../helpers/jail.js';
import { bridgeGateway, startPlainServer } from '../fixtures/proxy/host.js';
import { startPrivateProxy, type PrivateProxy } from '../fixtures/proxy/private-proxy.js';

/**
 * Issue 11, point 1: the jail contract holds whatever the profile file or the caller's
 * environment says. `gobox jail run` runs a command under exactly the contract a build gets.
 */
describe('the jail contract on a real engine', () => {
  let users: { name: string; uid: number; gid: number }[];
  let pp: PrivateProxy;
  let plain: Awaited<ReturnType<typeof startPlainServer>>;

  beforeAll(async () => {
    users = jailUsers();
    pp = await startPrivateProxy();
    plain = await startPlainServer(bridgeGateway(), 'reached');
  });
  afterAll(async () => {
    await pp?.proxy.close();
    await plain?.close();
  });

  it('has no network: DNS, TCP to the host and to the module proxy all fail', async () => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    const proxyPort = new URL(pp.proxy.url).port;
    const script = [
      'getent hosts example.com >/dev/null 2>&1; echo "dns=$?"',
      `timeout 5 bash -c 'echo > /dev/tcp/${plain.port ? bridgeGateway() : ''}/${plain.port}' 2>/dev/null; echo "host=$?"`,
      `timeout 5 bash -c 'echo > /dev/tcp/${pp.ip}/${proxyPort}' 2>/dev/null; echo "proxy=$?"`,
      // Only the loopback: no interface with a route out.
      'tail -n +2 /proc/net/route | wc -l',
      'ls /sys/class/net | tr "\\n" " "; echo',
    ].join('; ');
    const r = await gobox(['jail', 'run', '--', 'sh', '-c', script], { cwd: dir, user: a.name });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [dns, host, proxy, routes, ifaces] = r.stdout.split('\n');
    expect(dns).not.toBe('dns=0');
    expect(host).not.toBe('host=0');
    expect(proxy).not.toBe('proxy=0');
    expect(routes).toBe('0');
    expect(ifaces!.trim()).toBe('lo');
    expect(plain.hits).toBe(0);
    expect(pp.proxy.requests).toEqual([]);
  });

  it('cannot write the source or the module cache, and sees no build cache of the user', async () => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    // The user's own build cache has entries now (an ordinary run, in this test).
    const warm = await gobox(['run', 'go', 'build', '-o', '/tmp/x', '.'], { cwd: dir, user: a.name });
    expect(warm.code).toBe(0);
    const script = [
      'touch main.go 2>/dev/null; echo "src=$?"',
      'touch /gobox/cache/mod/x 2>/dev/null; echo "mod=$?"',
      'echo "build=$(ls -A /gobox/cache/build | wc -l)"',
      'echo "gocache=$(go env GOCACHE) $(ls -A "$(go env GOCACHE)" 2>/dev/null | wc -l)"',
      'echo "uid=$(id -u)"',
    ].join('; ');
    const r = await gobox(['jail', 'run', '--', 'sh', '-c', script], { cwd: dir, user: a.name });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`src=1\nmod=1\nbuild=0\ngocache=/tmp/gocache 0\nuid=${a.uid}\n`);
  });

  it('fixes the environment whatever a profile says (jail off, network open, GOFLAGS, CGO on)', async () => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    const home = profileHome({ loose: 'image: gobox-base:bookworm\nnetwork: open\njail: false\nenv:\n  GOFLAGS: -mod=mod\n  CGO_ENABLED: "1"\n  GOPROXY: https://proxy.invalid\n' }, a);
    const r = await gobox(['jail', 'run', '-p', 'loose', '--', 'sh', '-c', 'go env GOFLAGS CGO_ENABLED GOPROXY GOTOOLCHAIN GOSUMDB; echo "$SOURCE_DATE_EPOCH $HOME $TMPDIR"; ls /sys/class/net'], {
      cwd: dir, user: a.name, env: { XDG_CONFIG_HOME: home },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`-mod=readonly -trimpath\n0\noff\nlocal\noff\n${COMMIT_EPOCH} /home/gobox /tmp\nlo\n`);
    expect(r.code).toBe(0);
  });

  it.each([
    [{ GOFLAGS: '-mod=mod' }, 'GOFLAGS from the environment is refused in a jail build: the jail sets GOFLAGS=-mod=readonly -trimpath itself; unset GOFLAGS; pass go build flags after --'],
    [{ GOFLAGS: '-toolexec=/bin/true' }, 'GOFLAGS from the environment is refused in a jail build: the jail sets GOFLAGS=-mod=readonly -trimpath itself; unset GOFLAGS; pass go build flags after --'],
    [{ CGO_LDFLAGS: '-ldflags=-X main.built=now' }, 'CGO_LDFLAGS from the environment is refused in a jail build: it carries -ldflags; unset CGO_LDFLAGS; pass go build flags after --'],
    [{ CGO_ENABLED: '1' }, 'CGO_ENABLED from the environment is refused in a jail build: the profile decides cgo (a jail builds with CGO_ENABLED=0 unless its profile pins a C toolchain, cToolchain); unset CGO_ENABLED; pass go build flags after --'],
  ])('refuses %j from the environment with one line naming the key, before any sandbox starts', async (env, line) => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    const r = await gobox(['jail', 'build'], { cwd: dir, user: a.name, env });
    expect(r.stderr).toBe(`gobox: ${line}\n`);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    expect(sandboxesWith(`gobox.owner=${a.uid}`)).toEqual([]);
  });

  it('refuses -toolexec and -o among the go build flags with one line', async () => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    const r = await gobox(['jail', 'build', '--', '-toolexec', '/bin/true', '.'], { cwd: dir, user: a.name });
    expect(r.stderr).toBe("gobox: go build flag -toolexec is refused in a jail build: it runs a program of the caller's around every tool\n");
    expect(r.code).toBe(125);
    const o = await gobox(['jail', 'build', '--', '-o', '/tmp/elsewhere', '.'], { cwd: dir, user: a.name });
    expect(o.stderr).toBe('gobox: go build flag -o is refused in a jail build: it would put outputs where gobox does not look (use gobox jail build -o DIR)\n');
    expect(o.code).toBe(125);
  });
});
