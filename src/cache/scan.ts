import type { CacheEntry } from './trim-plan.js';

/**
 * Shell scripts that measure and trim a cache volume mounted at /v. They run inside a short
 * helper sandbox as the cache's owner: a docker-group user cannot read the volume on the host,
 * and running as the owner means a hostile tree (symlinks, odd names) can only hurt itself.
 * They need only sh, find, du, awk and xargs from the sandbox image, no Node.
 *
 * Build cache files are reported grouped by whole second, not one line each: a 10 GiB GOCACHE
 * holds ~100k files, more than a helper's capped log can carry, while a build writes its files
 * within a few seconds. The trim then deletes by mtime cutoff, which is exact for those groups.
 */
const BUILD_FILES = "find build -type f ! -path build/README ! -path build/trim.txt ! -path build/testexpire.txt";
const MODULE_DIRS = "find mod -path mod/cache -prune -o -type d -name '*@*' -prune";

export const SCAN_SCRIPT = [
  'cd /v || exit 3',
  'mkdir -p build mod',
  // lost+found of an ext4 image belongs to root and is unreadable here; its 16 KiB are noise.
  "for d in . build mod; do printf 'du\\t%s\\t%s\\n' \"$d\" \"$(du -sk \"$d\" 2>/dev/null | cut -f1)\"; done",
  `${BUILD_FILES} -printf '%T@ %k\\n' | awk '{ b[int($1)] += $2 } END { for (k in b) printf "b\\t%.0f\\t%.0f\\n", k, b[k] }'`,
  `${MODULE_DIRS} -printf 'm\\t%T@\\t%P\\n'`,
  `${MODULE_DIRS} -print0 | xargs -0 -r du -sk | awk -F'\\t' '{ p = $2; sub(/^mod\\//, "", p); printf "s\\t%s\\t%s\\n", $1, p }'`,
].join('\n');

/** Args: cutoff (empty for none), then module versions "<path>@<version>" below GOMODCACHE. */
export const TRIM_SCRIPT = [
  'cd /v || exit 3',
  'cut="$1"; shift',
  'if [ -n "$cut" ] && [ -d build ]; then',
  `  ${BUILD_FILES} -printf '%T@\\t%p\\n' | awk -F'\\t' -v c="$cut" 'int($1) <= c + 0 { print $2 }' | tr '\\n' '\\0' | xargs -0 -r rm -f`,
  'fi',
  'for m in "$@"; do',
  "  case \"$m\" in /*|*..*|'') continue ;; esac",
  // Go makes extracted modules read-only; `go clean -modcache` makes them writable first, too.
  '  chmod -R u+w "mod/$m" 2>/dev/null',
  '  rm -rf "mod/$m"',
  '  rm -f "mod/cache/download/${m%@*}/@v/${m##*@}".*',
  'done',
].join('\n');

/** Empties the volume but keeps it (and ext4's lost+found). */
export const CLEAR_SCRIPT = [
  'cd /v || exit 3',
  'chmod -R u+w . 2>/dev/null',
  "find . -mindepth 1 -maxdepth 1 ! -name lost+found -exec rm -rf {} +",
  'mkdir -p build mod',
].join('\n');

export interface CacheScan {
  usedBytes: number;
  buildBytes: number;
  modBytes: number;
  entries: CacheEntry[];
}

/** Parses SCAN_SCRIPT's output; sizes are disk use (du's 1 KiB blocks), like `du -sk`. */
export function parseScan(output: string): CacheScan {
  const du: Record<string, number> = {};
  const entries: CacheEntry[] = [];
  const modTime = new Map<string, number>();
  const modSize = new Map<string, number>();
  for (const line of output.split('\n')) {
    const [tag, a = '', b = ''] = line.split('\t');
    if (tag === 'du') du[a] = kib(b);
    else if (tag === 'b') entries.push({ kind: 'build', path: '', mtime: Math.floor(Number(a)), bytes: kib(b) });
    else if (tag === 'm') modTime.set(b, Math.floor(Number(a)));
    else if (tag === 's') modSize.set(b, kib(a));
  }
  for (const [path, mtime] of modTime) {
    if (Number.isFinite(mtime)) entries.push({ kind: 'module', path, mtime, bytes: modSize.get(path) ?? 0 });
  }
  if (du['.'] === undefined) throw new Error(`cache scan gave no usage: ${output.trim().slice(0, 200)}`);
  return { usedBytes: du['.'], buildBytes: du.build ?? 0, modBytes: du.mod ?? 0, entries };
}

function kib(text: string): number {
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n * 1024 : 0;
}
