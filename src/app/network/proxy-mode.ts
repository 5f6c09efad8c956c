import { createHash } from 'node:crypto';
import { ConflictError, PolicyError } from '../../common/errors.js';
import { LABEL } from '../../common/labels.js';
import { logger } from '../../common/logger.js';
import type { Progress } from '../../common/progress.js';
import type { Engine, ServiceInfo } from '../../engine/index.js';
import { FORWARDER_CONFIG_LABEL, forwarderSpec } from '../../sandbox/service-spec.js';
import { PROXY_MODE } from './proxy-env.js';
import { forwarderBinary } from './proxy-forwarder.js';

const log = logger('proxy');

export interface ForwarderOptions {
  allow: string[];
  image: string;
  toolchain: { version: string; path: string };
  env: NodeJS.ProcessEnv;
  /** The user's internal proxy network (app/network/user-network.ts) the forwarder must be on. */
  network: string;
}

/**
 * The long-lived, shared forwarder: reused while its config matches, re-created when it does
 * not. It joins each user's internal network as that user first needs it (a re-created one
 * joins them again one by one); it forwards only to the allow-list, so it is no path between users.
 */
export async function ensureForwarder(engine: Engine, o: ForwarderOptions, progress: Progress): Promise<void> {
  const binary = await forwarderBinary(o, progress);
  const config = createHash('sha256').update(JSON.stringify([o.allow, binary.sha256, o.image])).digest('hex').slice(0, 16);
  const current = await engine.getService(PROXY_MODE.container);
  if (current && usable(current, config)) return joinNetwork(engine, current, o.network);
  if (current) {
    if (current.labels[LABEL.kind] !== 'proxy') {
      throw new PolicyError(`a container named ${PROXY_MODE.container} exists that gobox did not make; proxy mode cannot start its forwarder`);
    }
    log.debug(`re-creating forwarder ${current.id.slice(0, 12)} (config or state changed)`);
    await engine.removeSandbox(current.id);
  }
  progress.start(`Starting the proxy-mode forwarder (allows ${o.allow.join(', ')})`);
  try {
    await engine.startService({
      container: forwarderSpec({ name: PROXY_MODE.container, port: PROXY_MODE.port, image: o.image, binary: binary.file, allow: o.allow, config }),
      extraNetworks: [{ name: o.network, aliases: [PROXY_MODE.alias] }],
    });
    progress.succeed();
  } catch (e) {
    progress.fail();
    // Two first runs raced: the other one's forwarder is just as good if it matches.
    const other = e instanceof ConflictError ? await engine.getService(PROXY_MODE.container) : undefined;
    if (!other || !usable(other, config)) throw e;
    await joinNetwork(engine, other, o.network);
  }
}

function usable(s: ServiceInfo, config: string): boolean {
  return s.running && s.labels[FORWARDER_CONFIG_LABEL] === config;
}

/** Connects the forwarder to a user's network, as "gobox-proxy" there; a concurrent run may have done it already. */
async function joinNetwork(engine: Engine, forwarder: ServiceInfo, network: string): Promise<void> {
  if (forwarder.networks.includes(network)) return;
  try {
    await engine.connectNetwork(network, forwarder.id, [PROXY_MODE.alias]);
  } catch (e) {
    const now = await engine.getService(PROXY_MODE.container);
    if (!now?.networks.includes(network)) throw e;
  }
}
