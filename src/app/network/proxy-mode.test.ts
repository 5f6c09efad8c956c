import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../common/errors.js';
import { silentProgress } from '../../common/progress.js';
import type { Engine, ServiceInfo, ServiceSpec } from '../../engine/index.js';
import { FORWARDER_SOURCE_FILE } from './proxy-forwarder.js';
import { ensureForwarder } from './proxy-mode.js';

/** Just the engine calls proxy mode makes, in memory. */
class FakeEngine {
  services = new Map<string, ServiceInfo>();
  started: ServiceSpec[] = [];
  removed: string[] = [];
  async connectNetwork(name: string, container: string) {
    for (const v of this.services.values()) if (v.id === container) v.networks.push(name);
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
  const key = createHash('sha256').update(readFileSync(FORWARDER_SOURCE_FILE, 'utf8')).update('1.22.5').digest('hex').slice(0, 16);
  mkdirSync(path.join(dir, 'proxy'));
  writeFileSync(path.join(dir, 'proxy', `forwarder-${key}`), 'binary');
  return { GOBOX_STATE_DIR: dir };
}

const opts = (env: NodeJS.ProcessEnv, allow = ['172.17.0.1:8443'], network = 'gobox-proxy-net-1000') => ({ allow, image: 'gobox-base:bookworm', toolchain: { version: '1.22.5', path: '/store/go1.22.5' }, env, network });

describe('proxy mode engine objects', () => {
  it('starts one hardened forwarder, reuses it, and re-creates it when the allow-list changes', async () => {
    const fake = new FakeEngine();
    const env = stateWithBinary();
    await ensureForwarder(fake as unknown as Engine, opts(env), silentProgress);
    const spec = fake.started[0]!;
    expect(spec.container.command).toEqual(['/gobox/forwarder', '-listen', ':3128', '-allow', '172.17.0.1:8443']);
    expect(spec.container.security).toMatchObject({ user: '65534:65534', capDrop: ['ALL'], readonlyRootfs: true, noNewPrivileges: true });
    expect(spec.container.network).toBe('bridge');
    expect(spec.extraNetworks).toEqual([{ name: 'gobox-proxy-net-1000', aliases: ['gobox-proxy'] }]);
    expect(spec.container.mounts).toEqual([{ kind: 'bind', source: expect.stringContaining('/proxy/forwarder-'), target: '/gobox/forwarder', readonly: true }]);

    await ensureForwarder(fake as unknown as Engine, opts(env), silentProgress);
    expect(fake.started).toHaveLength(1);

    await ensureForwarder(fake as unknown as Engine, opts(env, ['172.17.0.1:8443', 'sumdb.corp.example:443']), silentProgress);
    expect(fake.removed).toEqual(['c1']);
    expect(fake.started).toHaveLength(2);
  });

  it("joins a second user's network without re-creating the forwarder", async () => {
    const fake = new FakeEngine();
    const env = stateWithBinary();
    await ensureForwarder(fake as unknown as Engine, opts(env), silentProgress);
    await ensureForwarder(fake as unknown as Engine, opts(env, undefined, 'gobox-proxy-net-1001'), silentProgress);
    expect(fake.started).toHaveLength(1);
    expect(fake.services.get('gobox-proxy')!.networks).toEqual(['bridge', 'gobox-proxy-net-1000', 'gobox-proxy-net-1001']);
  });

  it('never removes a container of that name that gobox did not make', async () => {
    const fake = new FakeEngine();
    fake.services.set('gobox-proxy', { id: 'theirs', name: 'gobox-proxy', running: true, labels: {}, networks: [] });
    await expect(ensureForwarder(fake as unknown as Engine, opts(stateWithBinary()), silentProgress)).rejects.toThrow(PolicyError);
    expect(fake.removed).toEqual([]);
  });
});
