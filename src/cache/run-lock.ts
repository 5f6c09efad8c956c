import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { liveMarkers, lockHolder, withLock, writeMarker } from '../common/lock-file.js';
import { readableLockPlaces, writableLockPlace } from '../common/lock-place.js';
import { ownerToken } from '../common/owner-token.js';

/**
 * A user's runs and trims of their cache exclude each other: each run leaves a marker file
 * ("run-<owner>-<random>.active") while its sandbox lives, and a trim holds ".lock-trim". A
 * run writes its marker and then looks for the trim lock; a trim takes the lock and then looks
 * for markers; so whichever comes second sees the first. Markers of dead processes are stale.
 */
const TRIM_LOCK = 'trim';
const MARKER = /^run-.*\.active$/;

/** The first lock place this process can write, or undefined (then only the engine check protects). */
export const usableLockDir = writableLockPlace;

/** Pids of live runs of this user; stale markers are removed where this process may. */
export async function liveRuns(uid: number, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const live: string[] = [];
  for (const dir of await readableLockPlaces(uid, env)) live.push(...(await liveMarkers(dir, MARKER)));
  return live;
}

/** Pid of a live trim of this user's cache, if one holds the lock. */
export async function trimHolder(uid: number, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of await readableLockPlaces(uid, env)) {
    const pid = await lockHolder(dir, TRIM_LOCK);
    if (pid !== undefined) return pid;
  }
  return undefined;
}

export interface RunLockOptions {
  env?: NodeJS.ProcessEnv;
  pollMs?: number;
  /** Called once when the run waits for a trim to end. */
  onWait?: (pid: string) => void;
}

/** Runs fn as an active run of uid: waits while a trim runs, and holds a marker meanwhile. */
export async function withRunMarker<T>(uid: number, fn: () => Promise<T>, o: RunLockOptions = {}): Promise<T> {
  const env = o.env ?? process.env;
  const dir = await usableLockDir(uid, env);
  if (!dir) return fn();
  const marker = path.join(dir, `run-${ownerToken()}-${randomBytes(4).toString('hex')}.active`);
  let told = false;
  for (;;) {
    const holder = await trimHolder(uid, env);
    if (holder === undefined) {
      await writeMarker(marker);
      if ((await trimHolder(uid, env)) === undefined) break;
      await fs.unlink(marker).catch(() => {});
    } else if (!told) {
      told = true;
      o.onWait?.(holder);
    }
    await sleep(o.pollMs ?? 200);
  }
  try {
    return await fn();
  } finally {
    await fs.unlink(marker).catch(() => {});
  }
}

/** Runs fn holding the user's trim lock; busy(pids) decides whether live runs forbid it. */
export async function withTrimLock<T>(uid: number, fn: (liveRunPids: string[]) => Promise<T>, o: RunLockOptions = {}): Promise<T> {
  const env = o.env ?? process.env;
  const dir = await usableLockDir(uid, env);
  if (!dir) return fn(await liveRuns(uid, env));
  return withLock(dir, TRIM_LOCK, async () => fn(await liveRuns(uid, env)), { pollMs: o.pollMs ?? 200, ...(o.onWait ? { onWait: o.onWait } : {}) });
}
