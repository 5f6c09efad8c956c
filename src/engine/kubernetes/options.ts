/**
 * The Kubernetes engine's settings, as host config's `engine:` gives them (config/schema.ts
 * validates them; app/ hands them over). Engine-level types only: config/ is above engine/.
 */
export interface KubernetesEngineOptions {
  /** Admin-given kubeconfig; absent: the in-cluster config of a gobox that runs in a pod. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace: string;
  /** Pins pods to a node: needed where the cluster has no scheduler. */
  node?: string | undefined;
  /** Where the toolchain store is on the nodes; default: the store's own path as hostPath. */
  toolchains?: { claim: string } | { hostPath: string } | undefined;
  /** The cache claims' storage class; absent: the cluster's default. */
  storageClass?: string | undefined;
  /** Largest project (bytes) streamed into a pod, and largest copy back. */
  syncLimitBytes: number;
  /** How long a pod may take to run (image, volumes, node) before the run fails with the reason. */
  startTimeoutMs: number;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  localhostSeccomp?: string | undefined;
  /** Requests equal to limits (Guaranteed QoS) instead of small requests (pod.ts says why). */
  guaranteed?: boolean | undefined;
  runtimeClasses?: Record<string, string> | undefined;
  /** The pod network, kept out of open mode's egress so users' pods do not reach each other. */
  podCidr?: string | undefined;
  /**
   * Proxy mode's only destinations (host config's proxy.url and proxy.allow): a cluster has no
   * forwarder, so a pod reaches these directly and its NetworkPolicy lets nothing else out.
   */
  proxyTargets?: { host: string; port: number }[] | undefined;
}

/** What `engine.kind: kubernetes` and its defaults mean when a field is left out. */
export const KUBERNETES_DEFAULTS = {
  namespace: 'gobox',
  syncLimitBytes: 256 * 1024 ** 2,
  startTimeoutMs: 60_000,
  imagePullPolicy: 'Never',
} as const;
