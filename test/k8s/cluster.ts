import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { gobox, type GoboxOptions, type GoboxResult } from '../helpers/gobox.js';

export const NS = 'gobox';
export const cluster = {
  /** The admin's: the tests' witness. */
  get kubeconfig() {
    return inject('k8sKubeconfig');
  },
  /** What gobox uses (readable by the test users). */
  get engineKubeconfig() {
    return inject('k8sEngineKubeconfig');
  },
  get hostConfig() {
    return inject('k8sHostConfig');
  },
  get node() {
    return inject('k8sNode');
  },
};

/** An independent witness: the API itself, with the admin's kubeconfig. */
export function core(): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  return kc.makeApiClient(CoreV1Api);
}

export function networking(): NetworkingV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  return kc.makeApiClient(NetworkingV1Api);
}

/** gobox on the cluster's engine (the host config of the setup, unless a test names another). */
export function k8sGobox(args: string[], o: GoboxOptions & { config?: string }): Promise<GoboxResult> {
  return gobox(args, { ...o, env: { GOBOX_CONFIG: o.config ?? cluster.hostConfig, ...o.env } });
}

/** Pods of gobox's with these labels, in any phase. */
export async function podsWith(labels: Record<string, string>): Promise<string[]> {
  const selector = ['gobox.managed=true', ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)].join(',');
  return (await core().listNamespacedPod({ namespace: NS, labelSelector: selector })).items.map((p) => p.metadata!.name!);
}

/** A host config file of the test's own (bad input): readable by the test users. */
export function hostConfigWith(yaml: string): string {
  const dir = mkdtempSync('/tmp/gobox-k8e-cfg-');
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  chmodSync(file, 0o644);
  return file;
}
