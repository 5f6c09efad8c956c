import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOwnerAlive, ownerToken } from './owner.js';
import { tempName } from './temp.js';

export interface LockOptions {
  signal?: AbortSignal | undefined;
  /** Called once when the lock is busy, e.g. to tell the user what they wait for. */
  onWait?: (holderPid: string) => void;
  pollMs?: number;
}

/**
 * Runs fn while holding "<root>/.lock-<name>". The lock only saves duplicate work: correctness
 * comes from rename() of a finished temp dir, so a lock broken by a race costs time, not data.
 * The lock file is written whole and then hard-linked into place, so nobody reads it half-written;
 * a holder that died (pid gone or recycled) is detected and its lock broken.
 */
export async function withLock<T>(root: string, name: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lockPath = path.join(root, `.lock-${name}`);
  const content = `${ownerToken()} ${randomBytes(8).toString('hex')}\n`;
  await fs.mkdir(root, { recursive: true, mode: 0o755 });
  let told = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    const tmp = path.join(root, tempName('lock', name));
    await fs.writeFile(tmp, content, { mode: 0o644 });
    try {
      await fs.link(tmp, lockPath);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      await fs.unlink(tmp).catch(() => {});
    }
    const holder = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
    if (holder === undefined) continue; // released between our link and read
    const owner = holder.split(' ')[0] ?? '';
    if (!isOwnerAlive(owner)) {
      await breakStaleLock(lockPath, path.join(root, tempName('stale-lock', name)), holder);
      continue;
    }
    if (!told) {
      told = true;
      opts.onWait?.(owner.split('.')[0] ?? owner);
    }
    await sleep(opts.pollMs ?? 150, undefined, opts.signal ? { signal: opts.signal } : undefined);
  }
  try {
    return await fn();
  } finally {
    // Only remove the lock if it is still ours (someone may have wrongly broken it).
    const now = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
    if (now === content) await fs.unlink(lockPath).catch(() => {});
  }
}

/** Moves the stale lock aside before deleting it, so two breakers cannot delete a fresh lock. */
async function breakStaleLock(lockPath: string, aside: string, staleContent: string): Promise<void> {
  try {
    await fs.rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== staleContent) {
    // We moved someone's fresh lock: put it back if the slot is still free (link fails if not).
    await fs.link(aside, lockPath).catch(() => {});
  }
  await fs.unlink(aside).catch(() => {});
}

/** Removes locks whose holder died (a killed install); errors are ignored like cleanStaleTemps. */
export async function clearStaleLocks(root: string): Promise<void> {
  const entries = await fs.readdir(root).catch(() => [] as string[]);
  await Promise.all(
    entries.filter((e) => e.startsWith('.lock-')).map(async (entry) => {
      const lockPath = path.join(root, entry);
      const holder = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
      if (holder === undefined || isOwnerAlive(holder.split(' ')[0] ?? '')) return;
      await breakStaleLock(lockPath, path.join(root, tempName('stale-lock', entry.slice(6))), holder).catch(() => {});
    }),
  );
}
