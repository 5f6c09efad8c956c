import type { Engine } from '../engine/index.js';
import type { Progress } from '../common/progress.js';
import type { PreparedRun } from './prepare.js';
import { PROXY_MODE, proxyAllowList } from './proxy-env.js';
import { ensureForwarder, ensureProxyNetwork } from './proxy-mode.js';

/**
 * The engine network a sandbox joins, from the profile's network mode. Proxy mode makes (or
 * reuses) an isolated internal network and the shared forwarder that is its only way out;
 * the sandbox's HTTP(S)_PROXY already points there (app/proxy-env.ts, applied in prepare).
 */
export async function resolveNetwork(engine: Engine, p: PreparedRun, progress: Progress): Promise<string> {
  const profile = p.loaded.profile;
  // A jail never has a network, whatever else the profile says.
  if (profile.jail) return 'none';
  switch (profile.network) {
    case 'open':
      return 'bridge';
    case 'none':
      return 'none';
    case 'proxy': {
      const allow = proxyAllowList(p.host, p.loaded.name);
      await ensureProxyNetwork(engine);
      await ensureForwarder(engine, { allow, image: profile.image, toolchain: p.toolchain, env: process.env }, progress);
      return PROXY_MODE.network;
    }
  }
}
