import { errorMessage } from '../../common/errors.js';
import { LABEL } from '../../common/labels.js';
import { logger } from '../../common/logger.js';
import type { Engine } from '../../engine/index.js';
import { PROXY_MODE } from './proxy-env.js';

const log = logger('gc');
/**
 * A network this young is left alone: a run that just made it has not created its sandbox yet
 * (between the two, the network has no container and would look unused).
 */
export const NETWORK_GRACE_MS = 60_000;

/**
 * Removes per-user networks no container uses any more (the proxy-mode forwarder, which joins
 * every user's proxy network, does not count: it is disconnected first). Owner limits it to one
 * user's networks; without it, the one shared proxy network of older gobox versions goes too.
 * A network that gains a container meanwhile fails to be removed and simply stays.
 */
export async function removeUnusedNetworks(engine: Engine, owner?: number, now = new Date()): Promise<string[]> {
  const mine = await engine.listNetworks({ [LABEL.kind]: 'network', ...(owner === undefined ? {} : { [LABEL.owner]: String(owner) }) });
  const legacy = owner === undefined ? (await engine.listNetworks({ [LABEL.kind]: 'proxy' })).filter((n) => n.name === 'gobox-proxy-net') : [];
  const removed: string[] = [];
  for (const net of [...mine, ...legacy]) {
    if (net.created && now.getTime() - net.created.getTime() < NETWORK_GRACE_MS) continue;
    try {
      const users = await engine.networkContainers(net.name);
      if (users.some((c) => c !== PROXY_MODE.container)) continue;
      if (users.includes(PROXY_MODE.container)) await engine.disconnectNetwork(net.name, PROXY_MODE.container);
      // Checked again right before removal: a sandbox created meanwhile keeps its network.
      if ((await engine.networkContainers(net.name)).length > 0) continue;
      await engine.removeNetwork(net.name);
      removed.push(net.name);
    } catch (e) {
      log.debug(`keeping network ${net.name}: ${errorMessage(e)}`);
    }
  }
  return removed;
}
