import type { Readable, Writable } from 'node:stream';
import type { SandboxSpec } from '../sandbox/types.js';
import type { LimitsObservation, LimitsProbeRequest } from './limits-readback.js';
import type { PodmanHostInfo } from './podman-info.js';
import type { ClusterReport } from './kubernetes/cluster-report.js';

/** What gobox needs from a container engine, in gobox's own types only. */
export interface EngineInfo {
  kind: 'docker' | 'podman' | 'kubernetes';
  version: string;
  apiVersion: string;
  rootless: boolean;
  cgroupVersion: '1' | '2' | 'unknown';
  runtimes: string[];
  defaultRuntime: string;
  /** Which resource limits the engine says it enforces. */
  limits: { memory: boolean; cpu: boolean; pids: boolean };
  storageDriver: string;
  security: string[];
  /** The OCI runtime's own version (runc), when the engine reports it. */
  runcVersion?: string;
}

export interface EndpointInfo {
  /** e.g. "unix:///var/run/docker.sock" */
  url: string;
  /** Which discovery strategy found it, e.g. "DOCKER_HOST". */
  via: string;
}

export interface SandboxSummary {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
  created: Date;
}

export interface WaitResult {
  exitCode: number;
  oomKilled: boolean;
  /** What an engine that copies the project back (Kubernetes) has to say about that copy. */
  notices?: string[];
}

export interface AttachOptions {
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  tty: boolean;
}

/** How an attach stream ended: `error` says why output was cut short, when it was. */
export interface AttachEnd {
  error?: string;
}

/** A created container. Start, attach and wait are separate so a later warm-box mode can exec instead. */
export interface SandboxHandle {
  readonly id: string;
  /** Resolves once the streams are attached; must be called before start so no output is lost. */
  attach(opts: AttachOptions): Promise<{ detach(): void; ended: Promise<AttachEnd | void> }>;
  start(): Promise<void>;
  /** next-exit (the default) must be asked before start; not-running suits a sandbox already running. */
  wait(condition?: 'next-exit' | 'not-running'): Promise<WaitResult>;
  kill(signal: string): Promise<void>;
  resize(rows: number, cols: number): Promise<void>;
  inspectState(): Promise<WaitResult & { running: boolean }>;
  remove(): Promise<void>;
}

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
  mountpoint: string;
  driver: string;
  options: Record<string, string>;
}

export interface Engine {
  readonly endpoint: EndpointInfo;
  /** Which implementation: run and doctor skip what a cluster does otherwise (images, helpers, networks). */
  readonly kind?: 'dockerode' | 'kubernetes';
  ping(): Promise<void>;
  info(): Promise<EngineInfo>;
  imageExists(ref: string): Promise<boolean>;
  imageLabels(ref: string): Promise<Record<string, string> | undefined>;
  /** Imports a root filesystem tarball as an image (docker import). */
  importImage(rootfsTar: Readable, ref: string, changes: string[]): Promise<void>;
  /** Builds an image from a tar context; onLine gets build output lines. */
  buildImage(context: Readable, ref: string, onLine: (line: string) => void): Promise<void>;
  removeImage(ref: string): Promise<void>;
  createSandbox(spec: SandboxSpec): Promise<SandboxHandle>;
  listSandboxes(labels: Record<string, string>): Promise<SandboxSummary[]>;
  removeSandbox(id: string): Promise<void>;
  /** The command lines of the processes running in a sandbox. */
  sandboxProcesses(id: string): Promise<string[]>;
  getVolume(name: string): Promise<VolumeInfo | undefined>;
  createVolume(name: string, labels: Record<string, string>, driverOpts?: Record<string, string>): Promise<VolumeInfo>;
  removeVolume(name: string): Promise<void>;
  /** Runs a short helper container (specified in sandbox/helper-spec.ts) to completion; its exit code and output. */
  runHelper(spec: SandboxSpec): Promise<{ exitCode: number; output: string }>;
  /** The local image's id (sha256:...), or undefined when it is missing. */
  imageId(ref: string): Promise<string | undefined>;
  getNetwork(name: string): Promise<NetworkInfo | undefined>;
  /** Fails with ConflictError when the name is taken. */
  createNetwork(spec: NetworkSpec): Promise<NetworkInfo>;
  /** gobox's networks carrying all these labels (per-user networks, for gc). */
  listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]>;
  /** Names of the containers on a network, in any state (created ones included). */
  networkContainers(name: string): Promise<string[]>;
  removeNetwork(name: string): Promise<void>;
  /** Joins a running container to a network, with DNS aliases there (the forwarder, per user). */
  connectNetwork(name: string, container: string, aliases: string[]): Promise<void>;
  disconnectNetwork(name: string, container: string): Promise<void>;
  getService(name: string): Promise<ServiceInfo | undefined>;
  /** Creates, connects and starts a service with restart policy unless-stopped; removes it again on failure. */
  startService(spec: ServiceSpec): Promise<ServiceInfo>;
  /** gobox's volumes carrying all these labels (e.g. every user's cache, for `gobox cache info` as root). */
  listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]>;
  /** Registered OCI runtimes with their path and arguments (runsc's --network=none matters). */
  runtimeDetails(): Promise<Record<string, RuntimeDetail>>;
  /** Podman's own view (rootless, storage driver, cgroups); undefined for Docker. */
  podmanInfo(): Promise<PodmanHostInfo | undefined>;
  /** Runs the limits probe (sandbox/helper-spec.ts's odd limits) and reports what the kernel applied. */
  probeLimits(req: LimitsProbeRequest): Promise<LimitsObservation>;
  /** Loads a `docker save` archive (images/load); the tags inside name the images. */
  loadImage(archive: Readable): Promise<void>;
  /** A `docker save` archive of one image. */
  saveImage(ref: string): Promise<Readable>;
  /** A cluster's facts for doctor (API, namespace, RBAC, storage, toolchains, NetworkPolicy); only the Kubernetes engine has them. */
  clusterReport?(storeRoot: string): Promise<ClusterReport>;
}
export type { ClusterReport } from './kubernetes/cluster-report.js';

/** A network gobox made: a user's own network (open mode) or their internal proxy-mode network. */
export interface NetworkInfo {
  id: string;
  name: string;
  internal: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** When the engine made it, if it says. */
  created?: Date;
}

export interface NetworkSpec {
  name: string;
  /** No route out: containers reach only each other. */
  internal: boolean;
  labels: Record<string, string>;
  /** Driver options, e.g. the bridge's inhibit_ipv4 so the host itself is unreachable too. */
  options: Record<string, string>;
}

/** A long-lived gobox container that serves sandboxes (the proxy-mode forwarder). */
export interface ServiceInfo {
  id: string;
  name: string;
  running: boolean;
  labels: Record<string, string>;
  networks: string[];
}

export interface ServiceSpec {
  /** Built like a sandbox (same hardening); its network is the one it is created on. */
  container: SandboxSpec;
  /** Further networks joined before start, with the DNS aliases sandboxes use there. */
  extraNetworks: { name: string; aliases: string[] }[];
}

export type { LimitName, LimitsObservation, LimitsProbeRequest } from './limits-readback.js';
export type { PodmanHostInfo } from './podman-info.js';

export interface RuntimeDetail {
  path: string;
  args: string[];
}
