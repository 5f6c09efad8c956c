import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateProxy, type PrivateProxy } from '../fixtures/proxy/private-proxy.js';
import { makeModule, profileHome } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';
import { execFileSync } from 'node:child_process';
import { cluster, hostConfigWith, k8sGobox, networking, NS } from './cluster.js';
import { dropK8cState } from './k8c-users.js';

/**
 * Network mode proxy on a cluster: no forwarder there, so a pod reaches the host config's module
 * proxy directly, its NetworkPolicy naming only that proxy's address and port, and the proxy
 * variables empty. The private HTTPS proxy of the engine tests serves on this host (the node),
 * with a test CA that reaches the pod in its CA bundle. This CNI does not enforce policies
 * (doctor-network.test.ts measures that), so what is checked here is the build that needs the
 * proxy, and the policy the cluster holds. Root runs gobox (its state dir holds the CA bundle),
 * in the user's project, so the pod runs as the user.
 */
const USER = { name: 'gobox-k8p-a', uid: 24360 };
const VIA_PROXY = 'network: proxy\nenv:\n  GOSUMDB: "off"\n  GOFLAGS: -mod=mod\n';

describe('network mode proxy on a Kubernetes cluster', () => {
  let pp: PrivateProxy;
  let other: PrivateProxy | undefined;
  let user: { name: string; uid: number; gid: number };

  beforeAll(async () => {
    ensureTestUser(USER, { docker: false });
    user = { ...USER, gid: Number(execFileSync('id', ['-g', USER.name], { encoding: 'utf8' }).trim()) };
    pp = await startPrivateProxy();
  });
  afterAll(async () => {
    await pp?.proxy.close();
    await other?.proxy.close();
    await dropK8cState([USER.uid]);
  });

  const configFor = (p: PrivateProxy) => hostConfigWith(`${readFileSync(cluster.hostConfig, 'utf8')}\nca: ${p.ca.caFile}\nproxy:\n  url: ${p.proxy.url}\n`);
  const egressOf = async () => (await networking().readNamespacedNetworkPolicy({ name: `gobox-proxy-${USER.uid}`, namespace: NS })).spec?.egress;
  const onlyTo = (p: PrivateProxy) => [{ to: [{ ipBlock: { cidr: `${p.ip}/32` } }], ports: [{ protocol: 'TCP', port: Number(new URL(p.proxy.url).port) }] }];

  it("builds with modules from the host config's module proxy, straight from the pod, whose policy names only that proxy", async () => {
    const home = profileHome({ viaproxy: VIA_PROXY }, user);
    const dir = makeModule(pp.consumer, user);
    const r = await k8sGobox(['-p', 'viaproxy', 'run', 'sh', '-c', 'go build -o /tmp/app . && /tmp/app && echo "proxy=[$HTTPS_PROXY$HTTP_PROXY] goproxy=$GOPROXY"'], {
      cwd: dir, env: { XDG_CONFIG_HOME: home }, config: configFor(pp), timeoutMs: 300_000,
    });
    expect(r.stderr).not.toContain('x509');
    expect(r.stdout, r.stderr).toBe(`hello from the private proxy\nand a wave from @latest\nproxy=[] goproxy=${pp.proxy.url}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(pp.proxy.requests).toEqual(expect.arrayContaining([`/${pp.untagged}/@latest`]));
    expect(await egressOf()).toEqual(onlyTo(pp));
  }, 300_000);

  it('follows the module proxy when it moves: the next run updates the policy to the new address', async () => {
    other = await startPrivateProxy();
    const home = profileHome({ viaproxy: VIA_PROXY }, user);
    const dir = makeModule(other.consumer, user);
    const r = await k8sGobox(['-p', 'viaproxy', 'run', 'sh', '-c', 'go build -o /tmp/app . && /tmp/app'], {
      cwd: dir, env: { XDG_CONFIG_HOME: home }, config: configFor(other), timeoutMs: 300_000,
    });
    expect(r.stdout, r.stderr).toBe('hello from the private proxy\nand a wave from @latest\n');
    expect(r.code, r.stderr).toBe(0);
    expect(await egressOf()).toEqual(onlyTo(other));
  }, 300_000);
});
