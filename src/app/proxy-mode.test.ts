import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError, PolicyError } from '../common/errors.js';
import { silentProgress } from '../common/progress.js';
import type { Engine, NetworkInfo, NetworkSpec, ServiceInfo, ServiceSpec } from '../engine/index.js';
import { FORWARDER_SOURCE } from './proxy-forwarder-source.js';
import { ensureForwarder, ensureProxyNetwork } from './proxy-mode.js';

/** Just the engine calls proxy mode makes, in memory. */
class FakeEngine {
  networks = new Map<string, NetworkInfo>();
  services = new Map<string, ServiceInfo>();
  started: ServiceSpec[] = [];
  removed: string[] = [];
  async getNetwork(name: string) {
    return this.networks.get(name);
  }
  async createNetwork(s: NetworkSpec) {
    if (this.networks.has(s.name)) throw new ConflictError('taken');
    const n = { id: `n-${s.name}`, name: s.name, internal: s.internal, labels: s.labels, options: s.options };
    this.networks.set(s.name, n);
    return n;
  }
  async getService(name: string) {
    return this.services.get(name);
  }
  async startService(s: ServiceSpec) {
    this.started.push(s);
    const info = { id: `c${this.started.length}`, name: s.container.name, running: true, labels: s.container.labels, networks: [s.container.network, ...s.extraNetworks.map((n) => n.name)] };
    this.services.set(s.container.name, info);
    return info;
  }
  async removeSandbox(id: string) {
    this.removed.push(id);
    for (const [k, v] of this.services) if (v.id === id) this.services.delete(k);
  }
}

/** A state dir that already holds the built forwarder, so no helper container is needed. */
function stateWithBinary(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-proxy-test-'));
  const key = createHash('sha256').update(FORWARDER_SOURCE).update('1.22.5').digest('hex').slice(0, 16);
  mkdirSync(path.join(dir, 'proxy'));
  writeFileSync(path.join(dir, 'proxy', `forwarder-${key}`), 'binary');
  return { GOBOX_STATE_DIR: dir };
}

const opts = (env: NodeJS.ProcessEnv, allow = ['172.17.0.1:8443']) => ({ allow, image: 'gobox-base:bookworm', toolchain: { version: '1.22.5', path: '/store/go1.22.5' }, env });

describe('proxy mode engine objects', () => {
  it('makes an internal network whose bridge has no host address, once', async () => {
    const fake = new FakeEngine();
    await ensureProxyNetwork(fake as unknown as Engine);
    await ensureProxyNetwork(fake as unknown as Engine);
    const net = fake.networks.get('gobox-proxy-net')!;
    expect(net.internal).toBe(true);
    expect(net.options).toEqual({ 'com.docker.network.bridge.inhibit_ipv4': 'true' });
    expect(net.labels).toEqual({ 'gobox.managed': 'true', 'gobox.kind': 'proxy' });
  });

  it('refuses a same-named network that is not isolated', async () => {
    const fake = new FakeEngine();
    fake.networks.set('gobox-proxy-net', { id: 'x', name: 'gobox-proxy-net', internal: false, labels: {}, options: {} });
    await expect(ensureProxyNetwork(fake as unknown as Engine)).rejects.toThrow(PolicyError);
  });

  it('starts one hardened forwarder, reuses it, and re-creates it when the allow-list changes', async () => {
    const fake = new FakeEngine();
    const env = stateWithBinary();
    await ensureForwarder(fake as unknown as Engine, opts(env), silentProgress);
    const spec = fake.started[0]!;
    expect(spec.container.command).toEqual(['/gobox/forwarder', '-listen', ':3128', '-allow', '172.17.0.1:8443']);
    expect(spec.container.security).toMatchObject({ user: '65534:65534', capDrop: ['ALL'], readonlyRootfs: true, noNewPrivileges: true });
    expect(spec.container.network).toBe('bridge');
    expect(spec.extraNetworks).toEqual([{ name: 'gobox-proxy-net', aliases: ['gobox-proxy'] }]);
    expect(spec.container.mounts).toEqual([{ kind: 'bind', source: expect.stringContaining('/proxy/forwarder-'), target: '/gobox/forwarder', readonly: true }]);

    await ensureForwarder(fake as unknown as Engine, opts(env), silentProgress);
    expect(fake.started).toHaveLength(1);

    await ensureForwarder(fake as unknown as Engine, opts(env, ['172.17.0.1:8443', 'sumdb.corp.example:443']), silentProgress);
    expect(fake.removed).toEqual(['c1']);
    expect(fake.started).toHaveLength(2);
  });

  it('never removes a container of that name that gobox did not make', async () => {
    const fake = new FakeEngine();
    fake.services.set('gobox-proxy', { id: 'theirs', name: 'gobox-proxy', running: true, labels: {}, networks: [] });
    await expect(ensureForwarder(fake as unknown as Engine, opts(stateWithBinary()), silentProgress)).rejects.toThrow(PolicyError);
    expect(fake.removed).toEqual([]);
  });
});
