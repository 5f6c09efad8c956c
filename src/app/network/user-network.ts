import { ConflictError, GoboxError, PolicyError } from '../../common/errors.js';
import { LABEL } from '../../common/labels.js';
import type { Engine, NetworkInfo, NetworkSpec } from '../../engine/index.js';
import { removeUnusedNetworks } from './unused-networks.js';

export type UserNetworkMode = 'open' | 'proxy';

/**
 * One network per user and mode. Docker lets every container on one network talk to every
 * other (and resolves their names), so a shared network would let one student's sandbox reach
 * another's test server; separate bridges are isolated from each other by the engine's own
 * rules. A user's own sandboxes do share their network: one can reach the other.
 */
export function userNetworkName(uid: number, mode: UserNetworkMode): string {
  return mode === 'open' ? `gobox-net-${uid}` : `gobox-proxy-net-${uid}`;
}

export function userNetworkLabels(uid: number, mode: UserNetworkMode): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.kind]: 'network', [LABEL.owner]: String(uid), [LABEL.networkMode]: mode };
}

/** Proxy mode's bridge has no address on the host side, so the host (any port) is unreachable too. */
const INHIBIT_IPV4 = 'com.docker.network.bridge.inhibit_ipv4';

function fits(net: NetworkInfo, uid: number, mode: UserNetworkMode): boolean {
  const want = userNetworkLabels(uid, mode);
  if (Object.entries(want).some(([k, v]) => net.labels[k] !== v)) return false;
  return mode === 'open' ? !net.internal : net.internal && net.options[INHIBIT_IPV4] === 'true';
}

/** The engine's address pools are used up: Docker's defaults hold about 30 bridge networks. */
function poolsExhausted(e: unknown): boolean {
  return e instanceof GoboxError && /address pool|non-overlapping/i.test(e.message);
}

/**
 * The user's network for a mode, created on first use. One that exists under the name but is
 * not this user's gobox network is refused: joining it could put the sandbox next to someone
 * else's containers.
 */
export async function ensureUserNetwork(engine: Engine, uid: number, mode: UserNetworkMode): Promise<string> {
  const name = userNetworkName(uid, mode);
  let net = await engine.getNetwork(name);
  if (!net) net = await create(engine, name, uid, mode);
  if (!fits(net, uid, mode)) {
    throw new PolicyError(`network ${name} exists but is not gobox's ${mode === 'proxy' ? 'isolated internal ' : ''}network of uid ${uid}; the sandbox will not join it`, {
      hint: `remove it (docker network rm ${name}) and gobox makes its own`,
    });
  }
  return name;
}

async function create(engine: Engine, name: string, uid: number, mode: UserNetworkMode): Promise<NetworkInfo> {
  const spec: NetworkSpec = { name, internal: mode === 'proxy', labels: userNetworkLabels(uid, mode), options: mode === 'proxy' ? { [INHIBIT_IPV4]: 'true' } : {} };
  for (let attempt = 0; ; attempt++) {
    try {
      return await engine.createNetwork(spec);
    } catch (e) {
      if (e instanceof ConflictError) {
        const other = await engine.getNetwork(name); // another run of this user made it first
        if (other) return other;
      }
      if (!poolsExhausted(e)) throw e;
      // Networks nobody uses any more hold address ranges: free them once, then try again.
      if (attempt === 0 && (await removeUnusedNetworks(engine)).length > 0) continue;
      throw new GoboxError(`cannot create network ${name}: the engine has no free address range left for one more network per user`, {
        hint: 'run gobox gc as root to remove unused networks, or give the engine more address pools (default-address-pools in /etc/docker/daemon.json, e.g. {"base":"10.123.0.0/16","size":24} for 256 networks)',
        cause: e,
      });
    }
  }
}
