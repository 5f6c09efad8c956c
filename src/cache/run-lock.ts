import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLock } from '../toolchain/lock.js';
import { isOwnerAlive, ownerToken } from '../toolchain/owner.js';
import { lockDirs } from './paths.js';

/**
 * A user's runs and trims of their cache exclude each other: each run leaves a marker file
 * ("run-<owner>-<random>.active") while its sandbox lives, and a trim holds ".lock-trim". A
 * run writes its marker and then looks for the trim lock; a trim takes the lock and then looks
 * for markers; so whichever comes second sees the first. Markers of dead processes are stale.
 */
const TRIM_LOCK = 'trim';
const MARKER = /^run-.*\.active$/;

const isRoot = () => process.getuid?.() === 0;

/** A lock dir is trusted only when it is a real directory of the user or of root. */
async function trusted(dir: string, uid: number): Promise<boolean> {
  const st = await fs.lstat(dir).catch(() => undefined);
  return Boolean(st?.isDirectory() && (st.uid === uid || st.uid === 0));
}

/** Makes (or checks) a lock dir; false when this process cannot use it. */
async function prepare(dir: string, uid: number): Promise<boolean> {
  try {
    const parent = path.dirname(dir);
    if (!(await fs.stat(parent).catch(() => undefined))) {
      await fs.mkdir(parent, { recursive: true, mode: 0o755 });
      // Root's shared locks dir is sticky and open like /tmp, so each user can make their own dir in it.
      if (isRoot()) await fs.chmod(parent, 0o1777);
    }
    await fs.mkdir(dir, { mode: 0o700 }).then(
      async () => {
        if (isRoot() && uid !== 0) await fs.chown(dir, uid, -1);
      },
      (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      },
    );
    if (!(await trusted(dir, uid))) return false;
    await fs.access(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first lock dir this process can write, or undefined (then only the engine check protects). */
export async function usableLockDir(uid: number, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of lockDirs(uid, env)) if (await prepare(dir, uid)) return dir;
  return undefined;
}

async function trustedDirs(uid: number, env: NodeJS.ProcessEnv): Promise<string[]> {
  const dirs: string[] = [];
  for (const dir of lockDirs(uid, env)) if (await trusted(dir, uid)) dirs.push(dir);
  return dirs;
}

/** Pids of live runs of this user; stale markers are removed where this process may. */
export async function liveRuns(uid: number, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const live: string[] = [];
  for (const dir of await trustedDirs(uid, env)) {
    for (const name of (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => MARKER.test(n))) {
      const token = (await fs.readFile(path.join(dir, name), 'utf8').catch(() => '')).trim();
      if (token && isOwnerAlive(token)) live.push(token.split('.')[0]!);
      else if (token) await fs.unlink(path.join(dir, name)).catch(() => {});
    }
  }
  return live;
}

/** Pid of a live trim of this user's cache, if one holds the lock. */
export async function trimHolder(uid: number, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of await trustedDirs(uid, env)) {
    const token = (await fs.readFile(path.join(dir, `.lock-${TRIM_LOCK}`), 'utf8').catch(() => '')).split(' ')[0] ?? '';
    if (token && isOwnerAlive(token)) return token.split('.')[0];
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
      await fs.writeFile(marker, `${ownerToken()}\n`, { mode: 0o644 });
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
