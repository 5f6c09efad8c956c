/**
 * The engine-neutral description of one sandbox. sandbox/ builds it as data; engine/ turns it
 * into Docker (or later Kubernetes) objects. Nothing here names an engine type.
 */
export type SandboxMount =
  | { kind: 'bind'; source: string; target: string; readonly: boolean }
  | { kind: 'volume'; name: string; target: string; readonly: boolean }
  | { kind: 'tmpfs'; target: string; sizeBytes: number; mode: string; uid?: number; gid?: number };

export interface Ulimit {
  name: 'nofile' | 'fsize' | 'core' | 'nproc';
  soft: number;
  hard: number;
}

export interface SandboxLimits {
  memoryBytes: number;
  /** Equal to memoryBytes: no swap beyond the memory limit. */
  memorySwapBytes: number;
  nanoCpus: number;
  pids: number;
  ulimits: Ulimit[];
  logMaxBytes: number;
}

export interface SandboxSecurity {
  user: string;
  capDrop: ['ALL'];
  capAdd: string[];
  noNewPrivileges: true;
  readonlyRootfs: boolean;
  init: true;
  /**
   * "default" keeps the engine's default seccomp profile; "no-tracing" is that profile without
   * ptrace and process_vm_*, so nothing in the sandbox can trace another process. Never "unconfined".
   */
  seccomp: 'default' | 'no-tracing';
}

export interface SandboxSpec {
  name: string;
  image: string;
  command: string[];
  workdir: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  mounts: SandboxMount[];
  limits: SandboxLimits;
  security: SandboxSecurity;
  /** "none", "bridge", or the name of a network gobox made (proxy mode). */
  network: string;
  runtime?: string;
  tty: boolean;
  stdin: boolean;
}
