import type { EngineInfo } from './engine.js';

export interface RawInfo {
  ServerVersion?: string;
  CgroupVersion?: string;
  Runtimes?: Record<string, unknown>;
  DefaultRuntime?: string;
  MemoryLimit?: boolean;
  CpuCfsQuota?: boolean;
  PidsLimit?: boolean;
  Driver?: string;
  SecurityOptions?: string[];
}
export interface RawVersion {
  Version?: string;
  ApiVersion?: string;
  Components?: { Name?: string; Version?: string; Details?: { GitCommit?: string } }[];
}

/** Reads /info and /version into gobox's EngineInfo; Podman announces itself in Components. */
export function parseEngineInfo(info: RawInfo, version: RawVersion): EngineInfo {
  const podman = (version.Components ?? []).some((c) => /podman/i.test(c.Name ?? ''));
  const security = info.SecurityOptions ?? [];
  return {
    kind: podman ? 'podman' : 'docker',
    version: version.Version ?? info.ServerVersion ?? 'unknown',
    apiVersion: version.ApiVersion ?? 'unknown',
    rootless: security.some((s) => s.includes('rootless')),
    cgroupVersion: info.CgroupVersion === '1' || info.CgroupVersion === '2' ? info.CgroupVersion : 'unknown',
    runtimes: Object.keys(info.Runtimes ?? {}),
    defaultRuntime: info.DefaultRuntime ?? 'runc',
    limits: { memory: info.MemoryLimit !== false, cpu: info.CpuCfsQuota !== false, pids: info.PidsLimit !== false },
    storageDriver: info.Driver ?? 'unknown',
    security,
    ...runcOf(version),
  };
}

/** Docker lists runc among its components ("1.1.5"); Debian's build may append "+ds1". */
function runcOf(version: RawVersion): { runcVersion?: string } {
  const runc = (version.Components ?? []).find((c) => /^runc$/i.test(c.Name ?? ''));
  if (!runc?.Version) return {};
  // Debian's package revision (e.g. "1.1.5+ds1-1+deb12u1") says which security fixes it carries.
  const build = runc.Details?.GitCommit && runc.Details.GitCommit !== runc.Version ? ` (${runc.Details.GitCommit})` : '';
  return { runcVersion: runc.Version.replace(/^v/, '') + build };
}
