import type { ContainerCreateOptions } from 'dockerode';
import type { SandboxMount, SandboxSpec } from '../sandbox/types.js';

/** Docker's tmpfs option string; uid/gid go to the kernel so HOME belongs to the caller. */
function tmpfsOptions(m: Extract<SandboxMount, { kind: 'tmpfs' }>, flavor: CreateFlavor = {}): string {
  // exec: Docker's tmpfs default is noexec, but go test and go run execute binaries from GOTMPDIR.
  const opts = ['rw', 'exec', 'nosuid', 'nodev', `size=${m.sizeBytes}`, `mode=${m.mode}`];
  // Podman's tmpfs knows no uid=/gid=; its `U` chowns to the container user, who is the caller under keep-id.
  if (flavor.usernsKeepId && (m.uid !== undefined || m.gid !== undefined)) return [...opts, 'U'].join(',');
  if (m.uid !== undefined) opts.push(`uid=${m.uid}`);
  if (m.gid !== undefined) opts.push(`gid=${m.gid}`);
  return opts.join(',');
}

function mountsFor(spec: Pick<SandboxSpec, 'mounts'>, flavor: CreateFlavor = {}) {
  const mounts: NonNullable<NonNullable<ContainerCreateOptions['HostConfig']>['Mounts']> = [];
  const tmpfs: Record<string, string> = {};
  for (const m of spec.mounts) {
    if (m.kind === 'tmpfs') tmpfs[m.target] = tmpfsOptions(m, flavor);
    else if (m.kind === 'bind')
      mounts.push({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readonly, BindOptions: { Propagation: 'rprivate' } });
    else mounts.push({ Type: 'volume', Source: m.name, Target: m.target, ReadOnly: m.readonly });
  }
  return { mounts, tmpfs };
}

/** How the engine in use needs the same spec expressed; the spec itself stays engine-neutral. */
export interface CreateFlavor {
  /**
   * Rootless Podman: map the caller's uid to itself (--userns=keep-id), so files the sandbox
   * writes into the project belong to the user on the host, not to a subordinate uid.
   */
  usernsKeepId?: boolean;
  /** Docker: the seccomp profile JSON that stands for spec.security.seccomp "no-tracing". */
  seccompNoTracing?: string;
}

/** Translates gobox's engine-neutral spec into the Docker Engine API's create body. */
export function dockerCreateOptions(spec: SandboxSpec, flavor: CreateFlavor = {}): ContainerCreateOptions {
  const { mounts, tmpfs } = mountsFor(spec, flavor);
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: spec.command,
    Entrypoint: [],
    WorkingDir: spec.workdir,
    User: spec.security.user,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    Tty: spec.tty,
    OpenStdin: spec.stdin,
    StdinOnce: spec.stdin,
    AttachStdin: spec.stdin,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: spec.network === 'none' ? true : undefined,
    HostConfig: {
      Mounts: mounts,
      Tmpfs: tmpfs,
      ReadonlyRootfs: spec.security.readonlyRootfs,
      Init: spec.security.init,
      CapDrop: spec.security.capDrop,
      CapAdd: spec.security.capAdd,
      SecurityOpt: securityOpts(spec, flavor),
      Privileged: false,
      Devices: [],
      Memory: spec.limits.memoryBytes,
      MemorySwap: spec.limits.memorySwapBytes,
      NanoCpus: spec.limits.nanoCpus,
      PidsLimit: spec.limits.pids,
      Ulimits: spec.limits.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
      LogConfig: { Type: 'json-file', Config: { 'max-size': String(spec.limits.logMaxBytes), 'max-file': '1' } },
      NetworkMode: spec.network,
      ...(spec.runtime ? { Runtime: spec.runtime } : {}),
      ...(flavor.usernsKeepId ? { UsernsMode: 'keep-id' } : {}),
      AutoRemove: false,
    },
  };
}

function securityOpts(spec: SandboxSpec, flavor: CreateFlavor): string[] {
  const opts = ['no-new-privileges'];
  if (spec.security.seccomp === 'no-tracing' && flavor.seccompNoTracing) opts.push(`seccomp=${flavor.seccompNoTracing}`);
  return opts;
}
