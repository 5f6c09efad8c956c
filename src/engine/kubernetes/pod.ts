import type { V1Container, V1PersistentVolumeClaim, V1Pod, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { SandboxMount, SandboxSpec } from '../../sandbox/types.js';
import { podMetadata } from './metadata.js';
import { escapeForKubernetes, withSyncSidecar } from './sync-sidecar.js';

/** How a cluster is set up for gobox: the engine's settings (host config `engine:`), not the spec's. */
export interface PodOptions {
  namespace: string;
  /**
   * The toolchain store, mounted read-only with a subPath per toolchain: a ReadOnlyMany PVC (the
   * store's files, the same on every node) where the cluster has one, or the store's directory on
   * the node (hostPath) where the node is the gobox host itself. Image volumes would need a
   * registry to hold each Go. docs/kubernetes.md says when to choose which.
   */
  toolchains: ({ claim: string } | { hostPath: string }) & { storeRoot: string };
  /** Seconds past the wall clock before the cluster itself ends the pod (activeDeadlineSeconds). */
  timeoutMs: number;
  /** The no-tracing seccomp profile where it is installed on the nodes (kubelet's seccomp dir). */
  localhostSeccomp?: string;
  /** OCI runtimes gobox knows (e.g. runsc) to the cluster's RuntimeClass names. */
  runtimeClasses?: Record<string, string>;
  /** The profile's cache.size: what the user's cache claim asks for. */
  cacheBytes: number;
  nodeName?: string;
  /**
   * Requests equal to limits (Guaranteed QoS): each sandbox is promised all it may use. Off, a
   * sandbox asks for little and may use up to its limits, so a node of 2 CPUs still holds a few
   * sandboxes whose profile allows 2 CPUs each; the limits hold either way.
   */
  guaranteed?: boolean;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
}

/** What the caller creates beside the pod: the files it mounts, the cache claim, the dirs it syncs. */
export interface CompiledPod {
  pod: V1Pod;
  /**
   * Host files (identity files, CA bundle) the caller reads into these pod annotations before it
   * creates the pod; a downward API volume shows them as files. So they live and die with the
   * pod: no second object to create, reap or be allowed to make.
   */
  files?: { items: { key: string; hostPath: string; annotation: string }[] };
  /** The user's cache claim, created on first use (never deleted with the pod). */
  cacheClaim?: V1PersistentVolumeClaim;
  /** Host dirs streamed into the pod before the command and copied back after it (project, /out). */
  synced: { hostPath: string; podPath: string; volume: string; copyBack: boolean }[];
  /** Limits of the spec a pod cannot express; doctor and the run say so. */
  unsupported: string[];
}

/** Kubernetes quantities: bytes as a plain integer, CPUs in millicores. */
const bytes = (n: number) => String(Math.floor(n));
const millicores = (nanoCpus: number) => `${Math.max(1, Math.round(nanoCpus / 1e6))}m`;
const GRACE_S = 60;

function ids(user: string): { uid: number; gid: number } {
  const [uid, gid] = user.split(':').map(Number);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid! <= 0 || gid! <= 0) throw new RangeError(`a pod never runs as root: user ${user}`);
  return { uid: uid!, gid: gid! };
}

/** Volume names are DNS labels; the index keeps two mounts of one kind apart. */
const volumeName = (kind: string, i: number) => `${kind}-${i}`;

function isToolchain(m: Extract<SandboxMount, { kind: 'bind' }>, o: PodOptions): boolean {
  return m.readonly && (m.source === o.toolchains.storeRoot || m.source.startsWith(`${o.toolchains.storeRoot}/`));
}

/**
 * A SandboxSpec as a Pod: the same contract the dockerode engine gives a container (user, no
 * privileges, read-only root, limits, tmpfs, the user's cache, a read-only toolchain), as data.
 * Pure: the engine creates the objects and moves the files.
 */
export function compilePod(spec: SandboxSpec, o: PodOptions): CompiledPod {
  const c = compileBare(spec, o);
  return { ...c, pod: withSyncSidecar(c.pod, spec.command, spec.tty, c.synced) };
}

/**
 * A helper spec (sandbox/helper-spec.ts: measure, trim or clear a cache) as a Pod: the same
 * security context as a sandbox pod, but its command runs at once (no gate, no sync container),
 * since it reads nothing from the caller and has no project. One that needs host directories or
 * files cannot be a pod, and says which.
 */
export function compileHelperPod(spec: SandboxSpec, o: PodOptions): CompiledPod {
  const c = compileBare(spec, o);
  const host = [...c.synced.map((s) => s.hostPath), ...(c.files?.items.map((f) => f.hostPath) ?? [])];
  if (host.length) throw new RangeError(`helper ${spec.name} mounts host paths (${host.join(', ')}), which are not on the cluster's nodes`);
  c.pod.spec!.containers[0]!.command = escapeForKubernetes(spec.command);
  return c;
}

function compileBare(spec: SandboxSpec, o: PodOptions): CompiledPod {
  const { uid, gid } = ids(spec.security.user);
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  const synced: CompiledPod['synced'] = [];
  const fileItems: { key: string; hostPath: string; podPath: string }[] = [];
  let cacheClaim: V1PersistentVolumeClaim | undefined;
  spec.mounts.forEach((m, i) => {
    if (m.kind === 'tmpfs') {
      const name = volumeName('tmpfs', i);
      volumes.push({ name, emptyDir: { medium: 'Memory', sizeLimit: bytes(m.sizeBytes) } });
      mounts.push({ name, mountPath: m.target });
    } else if (m.kind === 'volume') {
      const name = volumeName('cache', i);
      volumes.push({ name, persistentVolumeClaim: { claimName: m.name, readOnly: m.readonly } });
      mounts.push({ name, mountPath: m.target, readOnly: m.readonly });
      cacheClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: m.name, namespace: o.namespace, labels: { 'gobox.managed': 'true', 'gobox.kind': 'cache', 'gobox.owner': String(uid) } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: bytes(o.cacheBytes) } } } };
    } else if (isToolchain(m, o)) {
      const name = volumeName('toolchain', i);
      const t = o.toolchains;
      volumes.push('claim' in t ? { name, persistentVolumeClaim: { claimName: t.claim, readOnly: true } } : { name, hostPath: { path: t.hostPath, type: 'Directory' } });
      mounts.push({ name, mountPath: m.target, readOnly: true, subPath: m.source.slice(o.toolchains.storeRoot.length + 1) || undefined });
    } else if (m.readonly && !m.source.endsWith('/') && m.target.startsWith('/etc/')) {
      // Files (passwd, group, the CA bundle): one ConfigMap, each file mounted by subPath.
      const key = `f${i}`;
      fileItems.push({ key, hostPath: m.source, podPath: m.target });
      mounts.push({ name: 'files', mountPath: m.target, subPath: key, readOnly: true });
    } else {
      // A directory of the host (the project, /out): not on the cluster's nodes, so streamed in.
      const name = volumeName('sync', i);
      volumes.push({ name, emptyDir: {} });
      mounts.push({ name, mountPath: m.target, readOnly: m.readonly });
      synced.push({ hostPath: m.source, podPath: m.target, volume: name, copyBack: !m.readonly });
    }
  });
  if (fileItems.length) {
    volumes.push({ name: 'files', downwardAPI: { defaultMode: 0o444, items: fileItems.map((f) => ({ path: f.key, fieldRef: { fieldPath: `metadata.annotations['${fileAnnotation(f.key)}']` } })) } });
  }
  const seccomp = spec.security.seccomp === 'no-tracing' && o.localhostSeccomp
    ? { type: 'Localhost' as const, localhostProfile: o.localhostSeccomp }
    : { type: 'RuntimeDefault' as const };
  const limits = { memory: bytes(spec.limits.memoryBytes), cpu: millicores(spec.limits.nanoCpus), 'ephemeral-storage': bytes(fsizeOf(spec)) };
  const container: V1Container = {
    name: 'sandbox',
    image: spec.image,
    imagePullPolicy: o.imagePullPolicy ?? 'IfNotPresent',
    command: spec.command,
    workingDir: spec.workdir,
    env: Object.entries(spec.env).map(([name, value]) => ({ name, value })),
    tty: spec.tty,
    stdin: spec.stdin,
    stdinOnce: spec.stdin,
    volumeMounts: mounts,
    resources: { requests: o.guaranteed ? limits : burstableRequests(limits), limits },
    securityContext: {
      runAsUser: uid, runAsGroup: gid, runAsNonRoot: true, readOnlyRootFilesystem: spec.security.readonlyRootfs,
      allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'], ...(spec.security.capAdd.length ? { add: spec.security.capAdd } : {}) },
      seccompProfile: seccomp,
    },
  };
  const runtime = spec.runtime ? o.runtimeClasses?.[spec.runtime] : undefined;
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: podMetadata(spec, o.namespace),
    spec: {
      containers: [container],
      volumes,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // The user owns their cache claim through fsGroup; OnRootMismatch avoids a chown of every file per run.
      securityContext: { runAsUser: uid, runAsGroup: gid, runAsNonRoot: true, fsGroup: gid, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: seccomp },
      ...(o.timeoutMs > 0 ? { activeDeadlineSeconds: Math.ceil(o.timeoutMs / 1000) + GRACE_S } : {}),
      ...(runtime ? { runtimeClassName: runtime } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
    },
  };
  const unsupported = [`pids ${spec.limits.pids}: a pod has no pids limit of its own; set the kubelet's podPidsLimit`];
  if (spec.security.seccomp === 'no-tracing' && !o.localhostSeccomp) unsupported.push('seccomp: RuntimeDefault, which allows ptrace; install the no-tracing profile on the nodes');
  if (spec.runtime && !runtime) unsupported.push(`runtime ${spec.runtime}: no RuntimeClass configured for it`);
  return {
    pod,
    ...(fileItems.length ? { files: { items: fileItems.map(({ key, hostPath }) => ({ key, hostPath, annotation: fileAnnotation(key) })) } } : {}),
    ...(cacheClaim ? { cacheClaim } : {}),
    synced,
    unsupported,
  };
}

/** What a burstable sandbox asks for: a tenth of a CPU and at most 256 MiB, never above its limits. */
function burstableRequests(limits: { memory: string; cpu: string }): Record<string, string> {
  const milli = Math.min(100, Number(limits.cpu.replace(/m$/, '')));
  return { memory: bytes(Math.min(Number(limits.memory), 256 * 1024 ** 2)), cpu: `${milli}m` };
}

/** The largest file the sandbox may write (its fsize ulimit) bounds its node disk use too. */
function fsizeOf(spec: SandboxSpec): number {
  return spec.limits.ulimits.find((u) => u.name === 'fsize')?.hard ?? 1024 ** 3;
}

/** The annotation that carries one host file's text into the pod. */
export const fileAnnotation = (key: string): string => `gobox.file.${key}`;
