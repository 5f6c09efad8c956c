import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOwnerAlive, ownerPid, ownerToken } from './owner-token.js';
import { tempName } from './temp.js';

/** How withLock waits for a busy lock. */
export interface LockOptions {
  signal?: AbortSignal | undefined;
  /** Called once when the lock is busy, e.g. to tell the user what they wait for. */
  onWait?: (holderPid: string) => void;
  pollMs?: number;
}

/**
 * The one primitive under every gobox lock: an owner file, whose content starts with the owner
 * token (owner-token.ts) of the process that wrote it, and which counts only while that process
 * lives. A lock is the owner file "<dir>/.lock-<name>", one holder at a time (the toolchain
 * store's installs, a cache's trim, a hard cache's image); a marker is an owner file of a name of
 * its own, any number at a time (the cache's run markers). Where dir is, and who may write there,
 * is the caller's choice (lock-place.ts for a user's cache locks).
 */
const LOCK_PREFIX = '.lock-';
const lockPath = (dir: string, name: string): string => path.join(dir, `${LOCK_PREFIX}${name}`);

/** The owner token an owner file's content starts with ('' for an empty file). */
function ownerOf(content: string): string {
  return content.split(/\s/)[0] ?? '';
}

/**
 * Runs fn while holding "<root>/.lock-<name>". In the toolchain store the lock only saves
 * duplicate work: correctness comes from rename() of a finished temp dir, so a lock broken by a
 * race costs time, not data. The lock file is written whole and then hard-linked into place, so nobody reads it half-written;
 * a holder that died (pid gone or recycled) is detected and its lock broken.
 */
export async function withLock<T>(root: string, name: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const file = lockPath(root, name);
  const content = `${ownerToken()} ${randomBytes(8).toString('hex')}\n`;
  await fs.mkdir(root, { recursive: true, mode: 0o755 });
  let told = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const tmp = path.join(root, tempName('lock', name));
    await fs.writeFile(tmp, content, { mode: 0o644 });
    try {
      await fs.link(tmp, file);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await fs.unlink(tmp).catch(() => {});
    }
    const holder = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (holder === undefined) continue; // released between our link and read
    const owner = ownerOf(holder);
    if (!isOwnerAlive(owner)) {
      await breakStaleLock(file, path.join(root, tempName('stale-lock', name)), holder);
      continue;
    }
    if (!told) {
      told = true;
      opts.onWait?.(ownerPid(owner));
    }
    await sleep(opts.pollMs ?? 150, undefined, opts.signal ? { signal: opts.signal } : undefined);
  }
  try {
    return await fn();
  } finally {
    // Only remove the lock if it is still ours (someone may have wrongly broken it).
    const now = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (now === content) await fs.unlink(file).catch(() => {});
  }
}

/** Pid of the live process holding lock `name` in dir, if any (a reader's look; it takes nothing). */
export async function lockHolder(dir: string, name: string): Promise<string | undefined> {
  const token = ownerOf(await fs.readFile(lockPath(dir, name), 'utf8').catch(() => ''));
  return token && isOwnerAlive(token) ? ownerPid(token) : undefined;
}

/** Moves the stale lock aside before deleting it, so two breakers cannot delete a fresh lock. */
async function breakStaleLock(file: string, aside: string, staleContent: string): Promise<void> {
  try {
    await fs.rename(file, aside);
  } catch {
    return;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== staleContent) {
    // We moved someone's fresh lock: put it back if the slot is still free (link fails if not).
    await fs.link(aside, file).catch(() => {});
  }
  await fs.unlink(aside).catch(() => {});
}

/** Removes locks whose holder died (a killed install); errors are ignored like cleanStaleTemps. */
export async function clearStaleLocks(root: string): Promise<void> {
  const entries = await fs.readdir(root).catch(() => [] as string[]);
  await Promise.all(
    entries.filter((e) => e.startsWith(LOCK_PREFIX)).map(async (entry) => {
      const name = entry.slice(LOCK_PREFIX.length);
      const holder = await fs.readFile(lockPath(root, name), 'utf8').catch(() => undefined);
      if (holder === undefined || isOwnerAlive(ownerOf(holder))) return;
      await breakStaleLock(lockPath(root, name), path.join(root, tempName('stale-lock', name)), holder).catch(() => {});
    }),
  );
}

/** Marks this process at file (a name of its own, so no holder waits); the caller removes it. */
export async function writeMarker(file: string): Promise<void> {
  await fs.writeFile(file, `${ownerToken()}\n`, { mode: 0o644 });
}

/** Pids of the live writers of the markers in dir whose names match; stale ones are removed where this process may. */
export async function liveMarkers(dir: string, names: RegExp): Promise<string[]> {
  const live: string[] = [];
  for (const name of (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => names.test(n))) {
    const token = ownerOf(await fs.readFile(path.join(dir, name), 'utf8').catch(() => ''));
    if (token && isOwnerAlive(token)) live.push(ownerPid(token));
    // An empty marker is one still being written, not a stale one.
    else if (token) await fs.unlink(path.join(dir, name)).catch(() => {});
  }
  return live;
}
