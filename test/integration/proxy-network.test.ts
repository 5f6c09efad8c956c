import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule, profileHome } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { startPlainServer } from '../fixtures/proxy/host.js';
import { hostConfig, startPrivateProxy, type PrivateProxy } from '../fixtures/proxy/private-proxy.js';

/** The proxy network of the sandbox user: makeModule's projects belong to the first test user. */
const userNet = () => `gobox-proxy-net-${shared.users[0]!.uid}`;

function forwarderId(): string {
  return execFileSync('docker', ['inspect', '--format', '{{.Id}}', 'gobox-proxy'], { encoding: 'utf8' }).trim();
}

/**
 * Issue 3, point 8: network mode `proxy`. The sandbox sits on an internal network whose only
 * way out is gobox's forwarder, which lets through the configured module proxy and nothing
 * else; here "something else" is another server on this very host.
 */
describe('network mode proxy', () => {
  let pp: PrivateProxy;
  let other: Awaited<ReturnType<typeof startPlainServer>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    pp = await startPrivateProxy();
    other = await startPlainServer(pp.ip, 'other server');
    // GOPROXY is deliberately not set: proxy mode defaults it to proxy.url.
    const config = hostConfig(`ca: ${pp.ca.caFile}\nenv:\n  GOSUMDB: "off"\n  GOFLAGS: -mod=mod\nproxy:\n  url: ${pp.proxy.url}\n`);
    const home = profileHome({ proxied: 'description: proxy mode\nnetwork: proxy\n' });
    env = { GOBOX_CONFIG: config, XDG_CONFIG_HOME: home, GOBOX_PROFILE: 'proxied' };
  });
  afterAll(async () => {
    await pp?.proxy.close();
    await other?.close();
    // The forwarder is long-lived by design; these two were made for this test's proxy only.
    execFileSync('sh', ['-c', `docker rm -f gobox-proxy >/dev/null 2>&1; docker network rm ${userNet()} >/dev/null 2>&1; true`]);
  });

  it('reaches the configured module proxy through the forwarder', async () => {
    const dir = makeModule(pp.consumer);
    const r = await gobox(['run', 'sh', '-c', 'go build -o /tmp/app . && /tmp/app'], { cwd: dir, env });
    expect(r.stdout).toBe('hello from the private proxy\nand a wave from @latest\n');
    expect(r.code).toBe(0);
    expect(pp.proxy.requests.length).toBeGreaterThan(0);
    // The sandbox user's own internal network (issue 8): its bridge has no address on the host.
    const net = execFileSync('docker', ['network', 'inspect', '--format', '{{.Internal}} {{index .Options "com.docker.network.bridge.inhibit_ipv4"}} {{index .Labels "gobox.owner"}}', userNet()], { encoding: 'utf8' });
    expect(net.trim()).toBe(`true true ${shared.users[0]!.uid}`);
  });

  it('cannot reach another address on the host, directly or through the forwarder', async () => {
    const dir = makeModule(HELLO);
    const probe = [
      `timeout 10 bash -c 'exec 3<>/dev/tcp/${pp.ip}/${other.port}' 2>/dev/null && echo direct-open || echo direct-closed`,
      `exec 4<>/dev/tcp/gobox-proxy/3128; printf 'CONNECT ${pp.ip}:${other.port} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&4; head -1 <&4 | tr -d '\\r'`,
      `exec 5<>/dev/tcp/gobox-proxy/3128; printf 'GET http://${pp.ip}:${other.port}/ HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&5; head -1 <&5 | tr -d '\\r'`,
    ].join('; ');
    const r = await gobox(['run', 'bash', '-c', probe], { cwd: dir, env });
    expect(r.stdout).toBe('direct-closed\nHTTP/1.1 403 Forbidden\nHTTP/1.1 403 Forbidden\n');
    expect(r.code).toBe(0);
    expect(other.hits).toBe(0);

    // The same probe in open mode reaches it: the server is there, proxy mode is what blocks it.
    const open = await gobox(['--profile', 'default', 'run', 'bash', '-c', `exec 3<>/dev/tcp/${pp.ip}/${other.port}; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; tail -1 <&3`], { cwd: dir, env });
    expect(open.stdout).toBe('other server\n');
    expect(other.hits).toBe(1);
  });

  it('shows the forwarder settings and their source in gobox env, and reuses one forwarder', async () => {
    const dir = makeModule(HELLO);
    const before = forwarderId();
    const out = JSON.parse((await gobox(['env', '--json'], { cwd: dir, env })).stdout);
    expect(out.network).toBe('proxy');
    expect(out.env.HTTPS_PROXY).toEqual({ value: 'http://gobox-proxy:3128', source: 'gobox (network mode proxy)' });
    expect(out.env.NO_PROXY).toEqual({ value: '', source: 'gobox (network mode proxy)' });
    expect(out.env.GOPROXY).toEqual({ value: pp.proxy.url, source: `host config ${env.GOBOX_CONFIG} proxy.url` });
    const r = await gobox(['run', 'true'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(forwarderId()).toBe(before);
  });

  it('refuses proxy mode with one line when no module proxy is configured', async () => {
    const dir = makeModule(HELLO);
    const config = hostConfig('env:\n  GOSUMDB: "off"\n');
    const r = await gobox(['run', 'true'], { cwd: dir, env: { ...env, GOBOX_CONFIG: config } });
    expect(r.code).toBe(125);
    expect(r.stderr).toBe(`gobox: profile proxied uses network mode proxy, but no module proxy is configured (set proxy.url in ${config})\n`);
  });
});
