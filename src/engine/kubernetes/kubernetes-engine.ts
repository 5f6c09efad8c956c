import { readFile } from 'node:fs/promises';
import type { V1NetworkPolicy, V1Pod } from '@kubernetes/client-node';
import path from 'node:path';
import { ConflictError, GoboxError, NotFoundError } from '../../common/errors.js';
import { LABEL } from '../../common/labels.js';
import type { SandboxSpec } from '../../sandbox/types.js';
import type { Engine, EndpointInfo, EngineInfo, SandboxSummary, VolumeInfo } from '../engine.js';
import type { LimitsObservation } from '../limits-readback.js';
import type { KubeClients } from './client.js';
import { kubeCall, orMissing } from './errors.js';
import { execIn } from './exec.js';
import { networkModeOf, podFilter } from './metadata.js';
import { helperNetworkPolicy, networkPolicyFor, sameEgress, type ProxyTarget } from './network-policy.js';
import { resolveProxyTargets } from './proxy-targets.js';
import { HELPER_RUN_MS, runHelperPod } from './helper-pod.js';
import type { KubernetesEngineOptions } from './options.js';
import { compileHelperPod, compilePod, type PodOptions } from './pod.js';
import { clusterReport, type ClusterReport } from './cluster-report.js';
import { waitForRunning } from './pod-start.js';
import { checkSyncSize, packProject } from './project-sync.js';
import { deletePod, KubernetesSandbox } from './kubernetes-sandbox.js';
import { SYNC_CONTAINER, SYNC_MARKER } from './sync-sidecar.js';
import { snapshotTree, type TreeSnapshot } from './tree-snapshot.js';
import { unsupported } from './unsupported.js';
import { volumeOf } from './volumes.js';

const GOROOT = '/usr/local/go';
const DEFAULT_CACHE_BYTES = 10 * 1024 ** 3;

/**
 * The Engine on a Kubernetes cluster: a sandbox is a pod compiled from the same SandboxSpec
 * (pod.ts), its cache a PersistentVolumeClaim, its network mode a NetworkPolicy. The project is
 * not on the nodes: it is streamed into the pod and what the command changed comes back.
 * Images are the nodes' business (imagePullPolicy), so image calls say so instead of pretending.
 */
export class KubernetesEngine implements Engine {
  readonly kind = 'kubernetes' as const;
  readonly endpoint: EndpointInfo;
  constructor(readonly c: KubeClients, readonly o: KubernetesEngineOptions) {
    this.endpoint = { url: c.server, via: c.via };
  }

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return kubeCall(this.c.server, what, fn);
  }

  async ping(): Promise<void> {
    await this.call('read the API version', () => this.c.version.getCode());
  }

  /** The namespace exists (an account that may not read namespaces learns it at its first create instead). */
  async checkNamespace(): Promise<void> {
    try {
      await this.call(`read namespace ${this.o.namespace}`, () => this.c.core.readNamespace({ name: this.o.namespace }));
    } catch (e) {
      if (e instanceof NotFoundError) throw new GoboxError(`namespace ${this.o.namespace} does not exist on the cluster at ${this.c.server} (engine.namespace)`, { hint: `kubectl create namespace ${this.o.namespace}` });
      if (!/RBAC/.test((e as Error).message)) throw e;
    }
  }

  async info(): Promise<EngineInfo> {
    const v = await this.call('read the API version', () => this.c.version.getCode());
    return { kind: 'kubernetes', version: v.gitVersion, apiVersion: `${v.major}.${v.minor}`, rootless: false, cgroupVersion: 'unknown', runtimes: [], defaultRuntime: 'default', limits: { memory: true, cpu: true, pids: false }, storageDriver: 'pvc', security: ['seccomp', 'pod-security-context'] };
  }

  /** The cluster's side of compiling a spec: namespace, toolchain volume, deadline, node and the rest of host config's engine. */
  private podOptions(spec: SandboxSpec, timeoutMs: number): PodOptions {
    const goroot = spec.mounts.find((m) => m.kind === 'bind' && m.target === GOROOT);
    const storeRoot = goroot && goroot.kind === 'bind' ? path.dirname(goroot.source) : '/var/lib/gobox/toolchains';
    return {
      namespace: this.o.namespace,
      toolchains: { ...(this.o.toolchains ?? { hostPath: storeRoot }), storeRoot },
      timeoutMs,
      // The app makes the claim first, sized by the profile (createVolume); this size is the fallback.
      cacheBytes: DEFAULT_CACHE_BYTES,
      imagePullPolicy: this.o.imagePullPolicy,
      ...(this.o.guaranteed ? { guaranteed: true } : {}),
      ...(this.o.node ? { nodeName: this.o.node } : {}),
      ...(this.o.localhostSeccomp ? { localhostSeccomp: this.o.localhostSeccomp } : {}),
      ...(this.o.runtimeClasses ? { runtimeClasses: this.o.runtimeClasses } : {}),
    };
  }

  async createSandbox(spec: SandboxSpec): Promise<KubernetesSandbox> {
    // The sandbox's expiry (its wall clock plus the sweeper's grace) bounds the pod even if gobox dies.
    const timeoutMs = Math.max(0, Date.parse(spec.labels[LABEL.expires] ?? '') - Date.parse(spec.labels[LABEL.created] ?? '')) || 0;
    const compiled = compilePod(spec, this.podOptions(spec, timeoutMs));
    // Over the cap fails before anything exists on the cluster.
    for (const s of compiled.synced) await checkSyncSize(s.hostPath, this.o.syncLimitBytes);
    const [uid, gid] = spec.security.user.split(':').map(Number) as [number, number];
    const ns = this.o.namespace;
    const mode = networkModeOf(spec.network);
    const proxy = mode === 'proxy' ? await resolveProxyTargets(this.o.proxyTargets ?? []) : undefined;
    await this.ensureNetworkPolicy(uid, mode, proxy?.targets);
    if (proxy?.hostAliases.length) compiled.pod.spec!.hostAliases = proxy.hostAliases;
    if (compiled.cacheClaim) {
      if (this.o.storageClass) compiled.cacheClaim.spec!.storageClassName = this.o.storageClass;
      await this.ensureClaim(compiled.cacheClaim);
    }
    const name = compiled.pod.metadata!.name!;
    const meta = compiled.pod.metadata!;
    for (const f of compiled.files?.items ?? []) meta.annotations = { ...meta.annotations, [f.annotation]: await readFile(f.hostPath, 'utf8') };
    const snapshots = new Map<string, TreeSnapshot>();
    try {
      await this.call(`create pod ${name}`, () => this.c.core.createNamespacedPod({ namespace: ns, body: compiled.pod })).catch((e: unknown) => {
        throw e instanceof NotFoundError ? new GoboxError(`namespace ${ns} does not exist on the cluster (engine.namespace): ${e.message}`) : e;
      });
      await waitForRunning(this.c, ns, name, this.o.startTimeoutMs);
      for (const s of compiled.synced) {
        // What is copied in, so that what the command deletes can be deleted on the host after it.
        if (s.copyBack) snapshots.set(s.hostPath, await snapshotTree(s.hostPath));
        const r = await execIn(this.c, ns, name, SYNC_CONTAINER, ['/bin/sh', '-c', `tar -x -p --no-same-owner --no-overwrite-dir -f - -C "$1" && touch ${SYNC_MARKER}`, 'sync-in', s.podPath], { stdin: packProject(s.hostPath) });
        if (r.exitCode !== 0) throw new GoboxError(`copying ${s.hostPath} into the pod failed (tar exit ${r.exitCode}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
      }
    } catch (e) {
      await deletePod(this.c, ns, name).catch(() => {});
      throw e;
    }
    return new KubernetesSandbox(this.c, ns, name, { synced: compiled.synced.map((s) => ({ ...s, snapshot: snapshots.get(s.hostPath) })), owner: { uid, gid }, syncLimitBytes: this.o.syncLimitBytes });
  }

  /**
   * A helper (cache measure, trim, clear) as a short pod with a sandbox pod's security context,
   * mounting the user's existing cache claim (never making one) and no network. Helpers that need
   * host files or root (CA roots reader, cache chown, the move into a hard cache) are refused:
   * a claim is the user's through fsGroup, and the CA bundle travels in each sandbox pod.
   */
  async runHelper(spec: SandboxSpec): Promise<{ exitCode: number; output: string }> {
    let compiled;
    try {
      compiled = compileHelperPod(spec, this.podOptions(spec, HELPER_RUN_MS));
    } catch (e) {
      return unsupported(`this helper: ${(e as Error).message}`);
    }
    await this.ensurePolicy(helperNetworkPolicy(this.o.namespace));
    return runHelperPod(this.c, this.o.namespace, compiled.pod, this.o.startTimeoutMs);
  }

  /**
   * One policy per user and mode, made on first use and kept (like a user's network on one host).
   * Proxy mode's names the module proxy's addresses of this run: when they changed (a new address,
   * a changed host config), the policy is updated to them.
   */
  private async ensureNetworkPolicy(uid: number, mode: 'none' | 'open' | 'proxy', proxy?: ProxyTarget[]): Promise<void> {
    await this.ensurePolicy(networkPolicyFor(uid, mode, this.o.namespace, { ...(this.o.podCidr ? { podCidr: this.o.podCidr } : {}), ...(proxy ? { proxy } : {}) }), mode === 'proxy');
  }

  private async ensurePolicy(policy: V1NetworkPolicy, keepEgressCurrent = false): Promise<void> {
    const name = policy.metadata!.name!;
    const have = await orMissing(this.call(`read networkpolicy ${name}`, () => this.c.networking.readNamespacedNetworkPolicy({ name, namespace: this.o.namespace })));
    if (have && keepEgressCurrent && !sameEgress(have, policy)) {
      await this.call(`update networkpolicy ${name}`, () => this.c.networking.replaceNamespacedNetworkPolicy({ name, namespace: this.o.namespace, body: { ...policy, metadata: { ...policy.metadata, resourceVersion: have.metadata?.resourceVersion } } }));
      return;
    }
    if (have) return;
    await this.call(`create networkpolicy ${name}`, () => this.c.networking.createNamespacedNetworkPolicy({ namespace: this.o.namespace, body: policy })).catch((e: unknown) => {
      if (!(e instanceof ConflictError)) throw e;
    });
  }

  /** The user's cache claim, made on first use and never deleted with a pod. */
  private async ensureClaim(claim: NonNullable<ReturnType<typeof compilePod>['cacheClaim']>): Promise<void> {
    const name = claim.metadata!.name!;
    const have = await orMissing(this.call(`read claim ${name}`, () => this.c.core.readNamespacedPersistentVolumeClaim({ name, namespace: this.o.namespace })));
    if (have) return;
    await this.call(`create claim ${name}`, () => this.c.core.createNamespacedPersistentVolumeClaim({ namespace: this.o.namespace, body: claim })).catch((e: unknown) => {
      if (!(e instanceof ConflictError)) throw e;
    });
  }

  async listSandboxes(labels: Record<string, string>): Promise<SandboxSummary[]> {
    const { selector, byAnnotation } = podFilter(labels);
    const list = await this.call('list pods', () => this.c.core.listNamespacedPod({ namespace: this.o.namespace, labelSelector: selector }));
    const matches = (p: V1Pod) => byAnnotation.every(([k, v]) => p.metadata?.annotations?.[k] === v);
    return list.items.filter(matches).map((p) => ({
      id: p.metadata!.name!,
      name: p.metadata!.name!,
      state: (p.status?.phase ?? 'unknown').toLowerCase(),
      // Values that are not label values (times, the command) live in annotations under the same keys.
      labels: { ...(p.metadata?.annotations ?? {}), ...(p.metadata?.labels ?? {}) },
      created: new Date(p.metadata?.creationTimestamp ?? 0),
    }));
  }

  async removeSandbox(id: string): Promise<void> {
    await deletePod(this.c, this.o.namespace, id);
  }

  async sandboxProcesses(id: string): Promise<string[]> {
    const out: Buffer[] = [];
    const { PassThrough } = await import('node:stream');
    const sink = new PassThrough().on('data', (b: Buffer) => out.push(b));
    await execIn(this.c, this.o.namespace, id, SYNC_CONTAINER, ['/bin/sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done 2>/dev/null'], { stdout: sink, timeoutMs: 15_000 });
    return Buffer.concat(out).toString().split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('/pause') && !l.includes('sleep 3600'));
  }

  async getVolume(name: string): Promise<VolumeInfo | undefined> {
    const pvc = await orMissing(this.call(`read claim ${name}`, () => this.c.core.readNamespacedPersistentVolumeClaim({ name, namespace: this.o.namespace })));
    return pvc ? volumeOf(pvc) : undefined;
  }

  /** A claim; driverOpts.size (bytes) is what it asks for, the profile's cache.size. */
  async createVolume(name: string, labels: Record<string, string>, driverOpts?: Record<string, string>): Promise<VolumeInfo> {
    const body = { metadata: { name, namespace: this.o.namespace, labels }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: driverOpts?.size ?? String(DEFAULT_CACHE_BYTES) } }, ...(this.o.storageClass ? { storageClassName: this.o.storageClass } : {}) } };
    return volumeOf(await this.call(`create claim ${name}`, () => this.c.core.createNamespacedPersistentVolumeClaim({ namespace: this.o.namespace, body })));
  }

  async removeVolume(name: string): Promise<void> {
    await this.call(`delete claim ${name}`, () => this.c.core.deleteNamespacedPersistentVolumeClaim({ name, namespace: this.o.namespace }));
  }

  async listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]> {
    const selector = [`${LABEL.managed}=true`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)].join(',');
    const list = await this.call('list claims', () => this.c.core.listNamespacedPersistentVolumeClaim({ namespace: this.o.namespace, labelSelector: selector }));
    return list.items.map(volumeOf);
  }

  clusterReport(storeRoot: string): Promise<ClusterReport> {
    return clusterReport(this.c, this.o, storeRoot);
  }

  async runtimeDetails() {
    return {};
  }

  async podmanInfo() {
    return undefined;
  }

  probeLimits(): Promise<LimitsObservation> {
    return unsupported('the limits probe (a pod gets its limits from the kubelet; gobox doctor reports the cluster instead)');
  }

  imageExists = () => unsupported('image checks (images live on the nodes; import them there, imagePullPolicy Never)');
  imageLabels = () => unsupported('image labels (images live on the nodes)');
  importImage = () => unsupported('image import (import the image on each node with ctr -n k8s.io images import)');
  buildImage = () => unsupported('image builds (build with gobox on a Docker host and import the archive on the nodes)');
  removeImage = () => unsupported('image removal (images live on the nodes)');
  loadImage = () => unsupported('image loading (import the archive on each node with ctr -n k8s.io images import)');
  saveImage = () => unsupported('image export (images live on the nodes)');
  imageId = () => unsupported('image ids (images live on the nodes)');
  getNetwork = () => unsupported('networks (a NetworkPolicy per user and mode takes their place)');
  createNetwork = () => unsupported('networks (a NetworkPolicy per user and mode takes their place)');
  listNetworks = async () => [];
  networkContainers = async () => [];
  removeNetwork = () => unsupported('networks');
  connectNetwork = () => unsupported('networks');
  disconnectNetwork = () => unsupported('networks');
  getService = async () => undefined;
  startService = () => unsupported('services such as the proxy-mode forwarder (proxy mode reaches the module proxy through its NetworkPolicy)');
}
