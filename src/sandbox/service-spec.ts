import { LABEL } from '../common/labels.js';
import type { SandboxSpec } from './types.js';

/** Hash of what the forwarder was made from; a different allow-list, binary or image re-creates it. */
export const FORWARDER_CONFIG_LABEL = 'gobox.proxy-config';
/** Where the forwarder's binary is mounted inside its container. */
export const FORWARDER_BINARY_PATH = '/gobox/forwarder';

export interface ForwarderInputs {
  /** The container's name and port (app/network's PROXY_MODE). */
  name: string;
  port: number;
  image: string;
  /** Host path of the forwarder binary (app/network/proxy-forwarder.ts builds it). */
  binary: string;
  /** host:port pairs it forwards to; everything else is refused. */
  allow: string[];
  /** The hash the forwarder is recognised by (FORWARDER_CONFIG_LABEL). */
  config: string;
}

/**
 * Proxy mode's long-lived, shared forwarder, hardened like a sandbox: nobody, no capabilities,
 * read-only root, small limits. Kind "proxy": it has no owning process, it outlives every run.
 */
export function forwarderSpec(o: ForwarderInputs): SandboxSpec {
  return {
    name: o.name,
    image: o.image,
    command: [FORWARDER_BINARY_PATH, '-listen', `:${o.port}`, '-allow', o.allow.join(',')],
    workdir: '/',
    env: {},
    labels: { [LABEL.managed]: 'true', [LABEL.kind]: 'proxy', [FORWARDER_CONFIG_LABEL]: o.config },
    mounts: [{ kind: 'bind', source: o.binary, target: FORWARDER_BINARY_PATH, readonly: true }],
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
