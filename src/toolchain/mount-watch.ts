import { readFileSync, watch as fsWatch, type FSWatcher, type Stats } from 'node:fs';
import { logger } from '../common/logger.js';
import type { Manifest } from './manifest.js';

const log = logger('toolchain');

/**
 * Toolchains a long-lived process (the user's agent, the daemon) has proven unchanged and keeps
 * watching, so that the check before a mount (mount-check.ts) need not lstat ~17,000 entries on
 * every run. A one-shot CLI never opts in: it checks once, and arming costs a third of a pass more.
 *
 * Why a quiet watch proves what the stat pass proves. The pass finds any change of an entry's
 * inode, type, mode, owner, size, mtime or ctime. Every call that makes such a change through a
 * path in the tree (write or truncate: IN_MODIFY; chmod, chown, utimes, xattrs: IN_ATTRIB;
 * create, mkdir, symlink, link: IN_CREATE; unlink, rmdir: IN_DELETE; rename: IN_MOVED_FROM/TO,
 * IN_MOVE_SELF) queues an event, before it returns, on the watch of the entry's directory. Every
 * directory of the tree is watched, as are the GOROOT dir, the store root (the GOROOT renamed or
 * removed) and the manifest dir. The watches are armed before the full pass, and the pass then
 * finds each dir to be the manifest's inode: a change after arming fires an event, one before it
 * fails the pass. A proof also needs the same manifest object (a re-read manifest is re-proven)
 * and the GOROOT dir at the same device and inode, which its watch pins (the number cannot be
 * reused meanwhile): a path swapped in above the store root is not the watched tree.
 *
 * What a watch does not see, and the stat pass would: writes through a shared writable mmap;
 * changes through a hard link in a directory outside the tree (made after the proof); a
 * filesystem mounted over a dir of the tree; writes to the block device. Each needs write access
 * to the store's files or root: the files are owned by root or the store's owner and writable by
 * nobody else (checked at install and by each full pass), and fs.protected_hardlinks stops
 * others from linking to files they cannot write. Nor does it see a lost event: libuv drops the
 * kernel's queue-overflow notice (a process-wide queue of 16,384 events by default, which in the
 * daemon anyone can fill through the knock dir), so a proof is trusted for MAX_AGE_MS at most.
 * The full re-hash is `gobox toolchain verify`, and the daemon's full verify at start and on SIGHUP.
 */

/** One toolchain's watches, and whether a full pass made with them armed passed. */
interface Watched {
  watchers: FSWatcher[];
  manifest: Manifest;
  live: boolean;
  proof?: { dev: number; ino: number; at: number };
}

export interface MountWatchOptions {
  /** Toolchains watched at once; the least recently used is forgotten past it. */
  maxToolchains?: number;
  /** Watches this process may hold; default a quarter of the user's inotify limit, shared with their editors. */
  maxWatches?: number;
  /** How long a quiet proof is trusted before the next full pass. */
  maxAgeMs?: number;
  /** fs.watch, or a stand-in that fails like it (tests). */
  watch?: (dir: string) => FSWatcher;
}

const MAX_TOOLCHAINS = 8;
const MAX_AGE_MS = 10 * 60_000;
/** Watches opened or closed per turn of the event loop: each costs 5-30 µs, and a daemon serves others meanwhile. */
const BATCH = 500;

let settings: Required<MountWatchOptions> | undefined;
/** Set when the kernel refused a watch: from then on, every check is a full pass. */
let failed = false;
let open = 0;
const watched = new Map<string, Watched>();

/** Opts this process in: it lives long enough for a watch to pay off. */
export function watchToolchainsForMounts(opts: MountWatchOptions = {}): void {
  settings = {
    maxToolchains: opts.maxToolchains ?? MAX_TOOLCHAINS,
    maxWatches: opts.maxWatches ?? Math.floor(userWatchLimit() / 4),
    maxAgeMs: opts.maxAgeMs ?? MAX_AGE_MS,
    watch: opts.watch ?? ((dir) => fsWatch(dir, { persistent: false, encoding: 'buffer' })),
  };
  failed = false;
}

/** Opts out again and closes every watch (tests). */
export function stopWatchingToolchains(): void {
  for (const w of [...watched.values()]) drop(w);
  watched.clear();
  settings = undefined;
}

/** Watches held now (tests). */
export function openWatches(): number {
  return open;
}

function userWatchLimit(): number {
  try {
    return Number(readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim()) || 8192;
  } catch {
    return 8192;
  }
}

/**
 * True when the toolchain at goroot was proven with this manifest, its dir is still the one
 * proven, and no watch fired since. Waits first for the event loop to poll: events the kernel
 * already queued for changes made before this call are delivered (and drop the proof) before it
 * answers. One setImmediate is not enough when called from a poll-phase callback (its immediate
 * runs before the next poll); the second one runs after a poll that started after this call.
 */
export async function stillUnchanged(goroot: string, manifest: Manifest, root: Stats): Promise<boolean> {
  if (!settings || !watched.get(goroot)?.proof) return false;
  await new Promise<void>((r) => setImmediate(r));
  await new Promise<void>((r) => setImmediate(r));
  const w = watched.get(goroot);
  if (!w?.proof) return false;
  if (w.manifest !== manifest || w.proof.dev !== root.dev || w.proof.ino !== root.ino || Date.now() - w.proof.at > settings.maxAgeMs) {
    drop(w);
    return false;
  }
  watched.delete(goroot); // most recently used last
  watched.set(goroot, w);
  return true;
}

/** What a full pass reports back: passed() records the proof (unless a watch fired meanwhile). */
export interface Arming {
  passed(root: Stats): void;
  failed(): void;
}

const NONE: Arming = { passed() {}, failed() {} };

/**
 * Arms a watch on each of dirs (parents before children) for a full pass about to start; none
 * when this process did not opt in, another check of the same toolchain is arming, the watches
 * would not fit, or the kernel refused one before.
 */
export async function armWatches(goroot: string, manifest: Manifest, dirs: readonly string[]): Promise<Arming> {
  if (!settings || failed || watched.get(goroot)?.live) return NONE;
  const max = settings;
  if (dirs.length > max.maxWatches) return NONE;
  for (const [key, old] of watched) {
    if (watched.size < max.maxToolchains && open + dirs.length <= max.maxWatches) break;
    drop(old);
    watched.delete(key);
  }
  if (open + dirs.length > max.maxWatches) return NONE;
  const w: Watched = { watchers: [], manifest, live: true };
  watched.set(goroot, w);
  const fire = () => drop(w);
  try {
    for (let i = 0; i < dirs.length; i++) {
      if (i > 0 && i % BATCH === 0) await new Promise<void>((r) => setImmediate(r));
      if (!w.live) return NONE; // evicted, or a watch fired, while arming
      const watcher = max.watch(dirs[i]!);
      open++;
      w.watchers.push(watcher);
      watcher.on('change', fire).on('error', fire).on('close', fire);
    }
  } catch (e) {
    drop(w);
    if (!failed) log.debug(`cannot watch the toolchain store (${(e as NodeJS.ErrnoException).code ?? String(e)}): every mount check is a full stat pass from now on`);
    failed = true;
    return NONE;
  }
  return {
    passed(root) {
      if (w.live && settings) w.proof = { dev: root.dev, ino: root.ino, at: Date.now() };
    },
    failed: () => drop(w),
  };
}

/** Forgets a toolchain's proof at once; its watches close over the next turns of the event loop. */
function drop(w: Watched): void {
  if (!w.live) return;
  w.live = false;
  delete w.proof;
  for (const [key, v] of watched) if (v === w) watched.delete(key);
  const all = w.watchers.splice(0);
  const close = (from: number) => {
    for (const watcher of all.slice(from, from + BATCH)) {
      watcher.removeAllListeners('change').removeAllListeners('close');
      watcher.close();
      open--;
    }
    if (from + BATCH < all.length) setImmediate(() => close(from + BATCH));
  };
  close(0);
}
