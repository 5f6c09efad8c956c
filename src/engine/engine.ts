import type { Readable, Writable } from 'node:stream';
import type { SandboxSpec } from '../sandbox/types.js';

/** What gobox needs from a container engine, in gobox's own types only. */
export interface EngineInfo {
  kind: 'docker' | 'podman';
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
}

export interface AttachOptions {
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  tty: boolean;
}

/** A created container. Start, attach and wait are separate so a later warm-box mode can exec instead. */
export interface SandboxHandle {
  readonly id: string;
  /** Resolves once the streams are attached; must be called before start so no output is lost. */
  attach(opts: AttachOptions): Promise<{ detach(): void; ended: Promise<void> }>;
  start(): Promise<void>;
  wait(): Promise<WaitResult>;
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
  getVolume(name: string): Promise<VolumeInfo | undefined>;
  createVolume(name: string, labels: Record<string, string>, driverOpts?: Record<string, string>): Promise<VolumeInfo>;
  removeVolume(name: string): Promise<void>;
  /** Runs a short helper container to completion and returns its exit code and output. */
  runHelper(spec: HelperSpec): Promise<{ exitCode: number; output: string }>;
}

/** A short root helper (e.g. chown of a new cache volume). Only the listed capabilities are kept. */
export interface HelperSpec {
  image: string;
  command: string[];
  user: string;
  capAdd: string[];
  mounts: SandboxSpec['mounts'];
  labels: Record<string, string>;
  network: 'none';
}
