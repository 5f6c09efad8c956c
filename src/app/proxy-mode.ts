import { createHash } from 'node:crypto';
import { ConflictError, PolicyError } from '../common/errors.js';
import { LABEL } from '../common/labels.js';
import { logger } from '../common/logger.js';
import type { Progress } from '../common/progress.js';
import type { Engine, ServiceInfo } from '../engine/index.js';
import type { SandboxSpec } from '../sandbox/types.js';
import { PROXY_MODE } from './proxy-env.js';
import { forwarderBinary, proxyLabels } from './proxy-forwarder.js';

const log = logger('proxy');
/** Hash of what the forwarder was made from; a different allow-list, binary or image re-creates it. */
const CONFIG_LABEL = 'gobox.proxy-config';
const BINARY_PATH = '/gobox/forwarder';

/**
 * The internal network proxy-mode sandboxes join. `internal` drops routes out, and
 * inhibit_ipv4 gives the host's end of the bridge no address, so the host itself (any port,
 * any of its addresses) is unreachable too: only other containers on the network answer.
 */
export async function ensureProxyNetwork(engine: Engine): Promise<void> {
  let net = await engine.getNetwork(PROXY_MODE.network);
  if (!net) {
    try {
      net = await engine.createNetwork({
        name: PROXY_MODE.network,
        internal: true,
        labels: proxyLabels(),
        options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
      });
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      net = await engine.getNetwork(PROXY_MODE.network); // another gobox made it first
    }
  }
  if (!net?.internal || net.options['com.docker.network.bridge.inhibit_ipv4'] !== 'true') {
    throw new PolicyError(`network ${PROXY_MODE.network} exists but is not gobox's isolated internal network; proxy mode will not use it`, {
      hint: `remove it (docker network rm ${PROXY_MODE.network}) and gobox makes its own`,
    });
  }
}

export interface ForwarderOptions {
  allow: string[];
  image: string;
  toolchain: { version: string; path: string };
  env: NodeJS.ProcessEnv;
}

/** The long-lived, shared forwarder: reused while its config matches, re-created when it does not. */
export async function ensureForwarder(engine: Engine, o: ForwarderOptions, progress: Progress): Promise<void> {
  const binary = await forwarderBinary(o, progress);
  const config = createHash('sha256').update(JSON.stringify([o.allow, binary.sha256, o.image])).digest('hex').slice(0, 16);
  const current = await engine.getService(PROXY_MODE.container);
  if (current && usable(current, config)) return;
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
      container: forwarderSpec(o, binary.file, config),
      extraNetworks: [{ name: PROXY_MODE.network, aliases: [PROXY_MODE.alias] }],
    });
    progress.succeed();
  } catch (e) {
    progress.fail();
    // Two first runs raced: the other one's forwarder is just as good if it matches.
    const other = e instanceof ConflictError ? await engine.getService(PROXY_MODE.container) : undefined;
    if (!other || !usable(other, config)) throw e;
  }
}

function usable(s: ServiceInfo, config: string): boolean {
  return s.running && s.labels[CONFIG_LABEL] === config && s.networks.includes(PROXY_MODE.network);
}

/** Hardened like a sandbox: nobody, no capabilities, read-only root, small limits. */
function forwarderSpec(o: ForwarderOptions, binary: string, config: string): SandboxSpec {
  return {
    name: PROXY_MODE.container,
    image: o.image,
    command: [BINARY_PATH, '-listen', `:${PROXY_MODE.port}`, '-allow', o.allow.join(',')],
    workdir: '/',
    env: {},
    labels: proxyLabels({ [CONFIG_LABEL]: config }),
    mounts: [{ kind: 'bind', source: binary, target: BINARY_PATH, readonly: true }],
    limits: {
      memoryBytes: 128 * 1024 * 1024,
      memorySwapBytes: 128 * 1024 * 1024,
      nanoCpus: 1e9,
      pids: 256,
      ulimits: [{ name: 'nofile', soft: 4096, hard: 4096 }, { name: 'core', soft: 0, hard: 0 }],
      logMaxBytes: 1024 * 1024,
    },
    security: { user: '65534:65534', capDrop: ['ALL'], capAdd: [], noNewPrivileges: true, readonlyRootfs: true, init: true, seccomp: 'default' },
    // The bridge gives it the way out; the internal network (joined before start) the way in.
    network: 'bridge',
    tty: false,
    stdin: false,
  };
}
