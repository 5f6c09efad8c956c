/**
 * What Podman's own /libpod/info says about a (rootless) Podman. The Docker-compatible /info
 * cannot be trusted for this: on rootless cgroup v1 it claims memory, cpu and pids limits work
 * (Podman drops them with a warning) and it does not mention rootless at all.
 */
export interface PodmanHostInfo {
  rootless: boolean;
  /** e.g. "overlay" (native or fuse-overlayfs) or "vfs" (copies every layer: seconds per run). */
  storageDriver: string;
  /** Where the user's images and volumes live (graphRoot). */
  storageRoot: string;
  cgroupVersion: '1' | '2' | 'unknown';
  cgroupControllers: string[];
  ociRuntime: string;
  /** e.g. "1.1.5+ds1-1+deb12u1": the runtime's commit line, which carries Debian's revision. */
  runcVersion?: string;
  /** How many subordinate uids Podman maps besides the user's own; 0 means the user has none. */
  subordinateUids: number;
}

interface RawLibpodInfo {
  host?: {
    security?: { rootless?: boolean };
    cgroupVersion?: string;
    cgroupControllers?: string[] | null;
    ociRuntime?: { name?: string; version?: string };
    idMappings?: { uidmap?: { size?: number }[] | null };
  };
  store?: { graphDriverName?: string; graphRoot?: string };
}

export function parsePodmanInfo(raw: unknown): PodmanHostInfo {
  const r = (raw ?? {}) as RawLibpodInfo;
  const cg = (r.host?.cgroupVersion ?? '').replace(/^v/, '');
  const runtimeVersion = r.host?.ociRuntime?.version ?? '';
  // "runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\n...": the commit line is the package revision.
  const commit = /commit:\s*(\S+)/.exec(runtimeVersion)?.[1];
  const plain = /version\s+v?(\d+\.\d+\.\d+\S*)/.exec(runtimeVersion)?.[1];
  const name = r.host?.ociRuntime?.name ?? 'unknown';
  return {
    rootless: Boolean(r.host?.security?.rootless),
    storageDriver: r.store?.graphDriverName ?? 'unknown',
    storageRoot: r.store?.graphRoot ?? '',
    cgroupVersion: cg === '1' || cg === '2' ? cg : 'unknown',
    cgroupControllers: r.host?.cgroupControllers ?? [],
    ociRuntime: name,
    ...(name === 'runc' && plain ? { runcVersion: commit && commit !== plain && /^\d/.test(commit) ? commit : plain } : {}),
    subordinateUids: Math.max(0, (r.host?.idMappings?.uidmap ?? []).reduce((n, m) => n + (m.size ?? 0), 0) - 1),
  };
}

/** vfs copies each image for every container; native overlay needs kernel 5.13+ for rootless use. */
export function slowStorageDriver(driver: string): boolean {
  return driver === 'vfs';
}
