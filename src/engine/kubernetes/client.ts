import { existsSync } from 'node:fs';
import { AuthorizationV1Api, CoreV1Api, KubeConfig, NetworkingV1Api, StorageV1Api, VersionApi } from '@kubernetes/client-node';
import { ConfigError, errorMessage } from '../../common/errors.js';
import type { KubernetesEngineOptions } from './options.js';

/** The API clients of one cluster, made from one KubeConfig. */
export interface KubeClients {
  kc: KubeConfig;
  server: string;
  /** How the config was found, for doctor and --verbose. */
  via: string;
  core: CoreV1Api;
  networking: NetworkingV1Api;
  storage: StorageV1Api;
  authz: AuthorizationV1Api;
  version: VersionApi;
}

/**
 * The admin's kubeconfig (and context), or the in-cluster service account when none is given.
 * A missing or unreadable file, a context it lacks, or no cluster in it fails here with the
 * field to fix, before anything talks to a server.
 */
export function kubeClients(o: KubernetesEngineOptions): KubeClients {
  const kc = new KubeConfig();
  let via: string;
  if (o.kubeconfig) {
    if (!existsSync(o.kubeconfig)) throw new ConfigError(`engine.kubeconfig: ${o.kubeconfig} does not exist`);
    try {
      kc.loadFromFile(o.kubeconfig);
    } catch (e) {
      throw new ConfigError(`engine.kubeconfig: ${o.kubeconfig} is not a readable kubeconfig: ${errorMessage(e).split('\n')[0]}`);
    }
    via = `kubeconfig ${o.kubeconfig}`;
  } else {
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw new ConfigError('engine.kubeconfig is not set and gobox is not running in a pod (no KUBERNETES_SERVICE_HOST): name the admin kubeconfig in the host config');
    }
    kc.loadFromCluster();
    via = 'in-cluster service account';
  }
  if (o.context) {
    if (!kc.getContexts().some((c) => c.name === o.context)) throw new ConfigError(`engine.context: ${o.kubeconfig ?? 'the kubeconfig'} has no context "${o.context}"`);
    kc.setCurrentContext(o.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new ConfigError(`engine.kubeconfig: ${o.kubeconfig ?? 'the config'} names no cluster server for context "${kc.getCurrentContext()}"`);
  return {
    kc,
    server: cluster.server,
    via: `${via}${o.context ? ` (context ${o.context})` : ''}`,
    core: kc.makeApiClient(CoreV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    storage: kc.makeApiClient(StorageV1Api),
    authz: kc.makeApiClient(AuthorizationV1Api),
    version: kc.makeApiClient(VersionApi),
  };
}
