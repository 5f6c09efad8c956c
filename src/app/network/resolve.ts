import type { Engine } from '../../engine/index.js';
import type { Progress } from '../../common/progress.js';
import type { PreparedRun } from '../run/prepare.js';
import { proxyAllowList } from './proxy-env.js';
import { ensureForwarder } from './proxy-mode.js';
import { ensureUserNetwork } from './user-network.js';

/**
 * The engine network a sandbox joins, from the profile's network mode: the sandbox user's own
 * network (app/network/user-network.ts), so no sandbox reaches another user's. Proxy mode's is internal,
 * and the shared forwarder joins it as its only way out; the sandbox's HTTP(S)_PROXY already
 * points there (app/network/proxy-env.ts, applied in prepare).
 */
export async function resolveNetwork(engine: Engine, p: PreparedRun, progress: Progress): Promise<string> {
  const profile = p.loaded.profile;
  // A jail never has a network, whatever else the profile says.
  if (profile.jail) return 'none';
  const uid = p.inputs.user.uid;
  switch (profile.network) {
    case 'open':
      // A rootless engine is the user's own: every container on its bridge is theirs already.
      return (await ownEngine(engine)) ? 'bridge' : ensureUserNetwork(engine, uid, 'open');
    case 'none':
      return 'none';
    case 'proxy': {
      const allow = proxyAllowList(p.host, p.loaded.name);
      const network = await ensureUserNetwork(engine, uid, 'proxy');
      await ensureForwarder(engine, { allow, image: profile.image, toolchain: p.toolchain, env: process.env, network }, progress);
      return network;
    }
  }
}

async function ownEngine(engine: Engine): Promise<boolean> {
  const podman = await engine.podmanInfo();
  return podman?.rootless ?? (await engine.info()).rootless;
}
