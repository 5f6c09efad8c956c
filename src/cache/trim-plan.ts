/**
 * What a trim deletes, as a pure function of what a scan found. Build cache entries go first,
 * oldest mtime first: Go refreshes an entry's mtime when a build uses it (at most hourly), so
 * mtime is "last used". Module versions go after, oldest first, because deleting them costs a
 * download while a build cache miss only costs a compile.
 */
export type CacheEntryKind = 'build' | 'module';

export interface CacheEntry {
  kind: CacheEntryKind;
  /** Module: "<module path>@<version>" below GOMODCACHE. Build: a group of files (see scan.ts). */
  path: string;
  /** Seconds since the epoch, whole seconds. */
  mtime: number;
  bytes: number;
}

export interface TrimPlan {
  /** Delete every build cache file whose mtime (in whole seconds) is at or below this; undefined: none. */
  buildCutoff: number | undefined;
  buildBytes: number;
  modules: CacheEntry[];
  moduleBytes: number;
  /** Estimated use after the trim. */
  usedAfter: number;
}

export function planTrim(entries: readonly CacheEntry[], usedBytes: number, targetBytes: number): TrimPlan {
  let used = usedBytes;
  let buildCutoff: number | undefined;
  let buildBytes = 0;
  const build = entries.filter((e) => e.kind === 'build').sort((a, b) => a.mtime - b.mtime);
  for (let i = 0; i < build.length && used > targetBytes; ) {
    // The apply step deletes by cutoff, so entries sharing one second go together.
    const t = build[i]!.mtime;
    for (; i < build.length && build[i]!.mtime === t; i++) {
      used -= build[i]!.bytes;
      buildBytes += build[i]!.bytes;
    }
    buildCutoff = t;
  }
  const modules: CacheEntry[] = [];
  let moduleBytes = 0;
  const mods = entries.filter((e) => e.kind === 'module').sort((a, b) => a.mtime - b.mtime || a.path.localeCompare(b.path));
  for (const m of mods) {
    if (used <= targetBytes) break;
    modules.push(m);
    used -= m.bytes;
    moduleBytes += m.bytes;
  }
  return { buildCutoff, buildBytes, modules, moduleBytes, usedAfter: Math.max(0, used) };
}
