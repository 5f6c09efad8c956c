import { describe, expect, it } from 'vitest';
import { ConflictError, GoboxError, PolicyError } from '../../common/errors.js';
import type { Engine, NetworkInfo, NetworkSpec } from '../../engine/index.js';
import { removeUnusedNetworks } from './unused-networks.js';
import { ensureUserNetwork } from './user-network.js';

/** Just the network calls, in memory; past `cap` networks creation fails as Docker's does when its pools run out. */
class FakeEngine {
  networks = new Map<string, NetworkInfo>();
  containers = new Map<string, string[]>();
  disconnected: string[] = [];
  /** How many networks the engine's address pools hold. */
  cap = Infinity;
  async getNetwork(name: string) {
    return this.networks.get(name);
  }
  async createNetwork(s: NetworkSpec) {
    if (this.networks.has(s.name)) throw new ConflictError('taken');
    if (this.networks.size >= this.cap) throw new GoboxError('engine error: could not find an available, non-overlapping IPv4 address pool');
    const n = { id: `n-${s.name}`, name: s.name, internal: s.internal, labels: s.labels, options: s.options };
    this.networks.set(s.name, n);
    return n;
  }
  async listNetworks(labels: Record<string, string>) {
    return [...this.networks.values()].filter((n) => Object.entries(labels).every(([k, v]) => n.labels[k] === v));
  }
  async networkContainers(name: string) {
    return this.containers.get(name) ?? [];
  }
  async disconnectNetwork(name: string, container: string) {
    this.disconnected.push(`${name}/${container}`);
    this.containers.set(name, (this.containers.get(name) ?? []).filter((c) => c !== container));
  }
  async removeNetwork(name: string) {
    this.networks.delete(name);
  }
}
const engine = (f: FakeEngine) => f as unknown as Engine;

describe('per-user networks', () => {
  it('gives each user and mode a network of their own, labelled with the owner, made once', async () => {
    const f = new FakeEngine();
    expect(await ensureUserNetwork(engine(f), 1000, 'open')).toBe('gobox-net-1000');
    expect(await ensureUserNetwork(engine(f), 1000, 'open')).toBe('gobox-net-1000');
    expect(await ensureUserNetwork(engine(f), 1001, 'open')).toBe('gobox-net-1001');
    expect(await ensureUserNetwork(engine(f), 1000, 'proxy')).toBe('gobox-proxy-net-1000');
    expect(f.networks.get('gobox-net-1000')).toMatchObject({ internal: false, labels: { 'gobox.owner': '1000', 'gobox.kind': 'network', 'gobox.network-mode': 'open' } });
    // Proxy mode's: internal, and the host's end of the bridge has no address.
    expect(f.networks.get('gobox-proxy-net-1000')).toMatchObject({ internal: true, options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' } });
    expect(f.networks.size).toBe(3);
  });

  it("refuses a same-named network that is not this user's gobox network", async () => {
    const f = new FakeEngine();
    await ensureUserNetwork(engine(f), 1001, 'open');
    f.networks.set('gobox-net-1000', { ...f.networks.get('gobox-net-1001')!, name: 'gobox-net-1000' });
    await expect(ensureUserNetwork(engine(f), 1000, 'open')).rejects.toThrow(PolicyError);
    f.networks.set('gobox-proxy-net-1000', { id: 'x', name: 'gobox-proxy-net-1000', internal: false, labels: { 'gobox.managed': 'true', 'gobox.kind': 'network', 'gobox.owner': '1000', 'gobox.network-mode': 'proxy' }, options: {} });
    await expect(ensureUserNetwork(engine(f), 1000, 'proxy')).rejects.toThrow(/not gobox's isolated internal network of uid 1000/);
  });

  it('frees unused networks when the address pools run out, and says what to do when that is not enough', async () => {
    const f = new FakeEngine();
    f.cap = 1;
    await ensureUserNetwork(engine(f), 2000, 'open');
    // 2000's network is unused: it goes, and 2001 gets the range.
    expect(await ensureUserNetwork(engine(f), 2001, 'open')).toBe('gobox-net-2001');
    expect([...f.networks.keys()]).toEqual(['gobox-net-2001']);
    f.containers.set('gobox-net-2001', ['gobox-2001-abc']);
    await expect(ensureUserNetwork(engine(f), 2002, 'open')).rejects.toThrow(/no free address range left/);
  });
});

describe('removeUnusedNetworks', () => {
  it('leaves a network alone in its first minute: its run has not created the sandbox yet', async () => {
    const f = new FakeEngine();
    await ensureUserNetwork(engine(f), 1000, 'open');
    f.networks.get('gobox-net-1000')!.created = new Date(Date.now() - 10_000);
    expect(await removeUnusedNetworks(engine(f))).toEqual([]);
    f.networks.get('gobox-net-1000')!.created = new Date(Date.now() - 120_000);
    expect(await removeUnusedNetworks(engine(f))).toEqual(['gobox-net-1000']);
  });

  it('removes networks only the forwarder is on, keeps used ones, and limits itself to one owner when asked', async () => {
    const f = new FakeEngine();
    for (const uid of [1000, 1001, 1002]) await ensureUserNetwork(engine(f), uid, 'proxy');
    f.containers.set('gobox-proxy-net-1000', ['gobox-proxy']);
    f.containers.set('gobox-proxy-net-1001', ['gobox-proxy', 'gobox-1001-abc']);
    expect(await removeUnusedNetworks(engine(f), 1000)).toEqual(['gobox-proxy-net-1000']);
    expect(f.disconnected).toEqual(['gobox-proxy-net-1000/gobox-proxy']);
    expect([...f.networks.keys()]).toEqual(['gobox-proxy-net-1001', 'gobox-proxy-net-1002']);
    expect(await removeUnusedNetworks(engine(f))).toEqual(['gobox-proxy-net-1002']);
  });
});
