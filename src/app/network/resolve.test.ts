import { describe, expect, it } from 'vitest';
import { silentProgress } from '../../common/progress.js';
import type { Engine, NetworkInfo, NetworkSpec } from '../../engine/index.js';
import { resolveNetwork } from './resolve.js';
import type { PreparedRun } from '../run/prepare.js';

/** Only what open and none mode ask of the engine. */
function fakeEngine(rootless: { podman?: boolean; docker?: boolean }) {
  const networks = new Map<string, NetworkInfo>();
  return {
    networks,
    podmanInfo: async () => (rootless.podman === undefined ? undefined : { rootless: rootless.podman }),
    info: async () => ({ rootless: rootless.docker ?? false }),
    getNetwork: async (name: string) => networks.get(name),
    createNetwork: async (s: NetworkSpec) => {
      const n = { id: s.name, name: s.name, internal: s.internal, labels: s.labels, options: s.options };
      networks.set(s.name, n);
      return n;
    },
  };
}

const run = (network: 'open' | 'none', uid: number, jail = false) =>
  ({ loaded: { name: 'p', profile: { network, jail } }, inputs: { user: { uid, gid: uid } } }) as unknown as PreparedRun;

describe('resolveNetwork', () => {
  it("puts an open-mode sandbox on its user's own network on a shared (rootful) engine", async () => {
    const e = fakeEngine({});
    expect(await resolveNetwork(e as unknown as Engine, run('open', 1000), silentProgress)).toBe('gobox-net-1000');
    expect(await resolveNetwork(e as unknown as Engine, run('open', 1001), silentProgress)).toBe('gobox-net-1001');
  });

  it("keeps the engine's default network on a rootless engine, which is the user's own", async () => {
    for (const rootless of [{ podman: true }, { docker: true }]) {
      const e = fakeEngine(rootless);
      expect(await resolveNetwork(e as unknown as Engine, run('open', 1000), silentProgress)).toBe('bridge');
      expect(e.networks.size).toBe(0);
    }
  });

  it('gives none and every jail no network at all', async () => {
    const e = fakeEngine({});
    expect(await resolveNetwork(e as unknown as Engine, run('none', 1000), silentProgress)).toBe('none');
    expect(await resolveNetwork(e as unknown as Engine, run('open', 1000, true), silentProgress)).toBe('none');
  });
});
