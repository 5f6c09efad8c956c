import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { userByUid } from './host-user.js';
import { privateDirProblem } from './private-dir.js';
import { runDir, stateDir } from './paths.js';

/**
 * Where a user's locks and run markers live. Every place is writable only by that user and root,
 * so nobody can pre-create or replace another user's lock (which would switch off their run/trim
 * exclusion), and none is on the state partition, which holds the hard-quota cache images:
 *
 * 1. `<run dir>/locks/<uid>` (/run/gobox, tmpfs): made by root, owned by the user, mode 0700,
 *    under a root-owned 0711 `locks`. Root's and the daemon's runs and trims lock here, and so
 *    does the user's own gobox once root has made it.
 * 2. `$XDG_RUNTIME_DIR/gobox/locks` (/run/user/<uid>): the user's own tmpfs.
 * 3. `$XDG_DATA_HOME/gobox/locks` (~/.local/share): the user's own, when there is no runtime dir.
 *
 * Writers take the first place they may use; readers look in every place that is trustworthy.
 */
const isRoot = () => process.getuid?.() === 0;

export function locksRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runDir(env), 'locks');
}

const homes = new Map<number, Promise<string | undefined>>();

/** A user's home from the passwd database (NSS included), for root looking at their own places; asked once per uid. */
function homeOf(uid: number): Promise<string | undefined> {
  const known = homes.get(uid);
  if (known) return known;
  const asked = userByUid(uid).then((u) => (u?.home.startsWith('/') ? u.home : undefined), () => undefined);
  homes.set(uid, asked);
  return asked;
}

/**
 * The places of uid, in order of preference. The user's own ones are found from their env when
 * this process is theirs, else (root looking) where a login session and XDG defaults put them.
 */
export async function lockPlaces(uid: number, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const places = [path.join(locksRoot(env), String(uid))];
  const self = process.getuid?.() ?? 0;
  if (self === uid && uid !== 0) {
    if (env.XDG_RUNTIME_DIR) places.push(path.join(env.XDG_RUNTIME_DIR, 'gobox', 'locks'));
    const dataHome = env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), '.local', 'share');
    places.push(path.join(dataHome, 'gobox', 'locks'));
  } else if (uid !== 0) {
    places.push(path.join('/run/user', String(uid), 'gobox', 'locks'));
    const home = await homeOf(uid);
    if (home) places.push(path.join(home, '.local', 'share', 'gobox', 'locks'));
  }
  return [...new Set(places)];
}

/** A place is trusted when it is a real directory of the user (or root) that nobody else may write. */
export async function trustedPlace(dir: string, uid: number): Promise<boolean> {
  const st = await fs.lstat(dir).catch(() => undefined);
  return Boolean(st?.isDirectory() && (st.uid === uid || st.uid === 0) && (st.mode & 0o022) === 0);
}

/** Root's `locks`: root-owned 0711, so users reach their own place but cannot make one or list others'. */
async function rootOwnedLocks(env: NodeJS.ProcessEnv): Promise<string> {
  const root = locksRoot(env);
  await fs.mkdir(path.dirname(root), { recursive: true, mode: 0o755 });
  const st = await fs.lstat(root).catch(() => undefined);
  if (st && !st.isDirectory()) await fs.rm(root, { force: true });
  if (!st || !st.isDirectory()) await fs.mkdir(root, { mode: 0o711 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  await fs.chown(root, 0, 0);
  await fs.chmod(root, 0o711);
  return root;
}

/**
 * Before lock places moved to the run dir, root kept a world-writable (1777) `<state>/locks`,
 * where any user could squat another's entry or fill the partition of the cache images. Root
 * removes it when it finds it.
 */
async function retireLegacyLocks(env: NodeJS.ProcessEnv): Promise<void> {
  const legacy = path.join(stateDir(env), 'locks');
  const st = await fs.lstat(legacy).catch(() => undefined);
  if (st?.isDirectory() && (st.mode & 0o002) !== 0) await fs.rm(legacy, { recursive: true, force: true }).catch(() => {});
}

/** Root makes (or repairs) the user's place: anything else found there is moved aside and removed. */
async function rootMadePlace(uid: number, env: NodeJS.ProcessEnv): Promise<string> {
  await retireLegacyLocks(env);
  const dir = path.join(await rootOwnedLocks(env), String(uid));
  const st = await fs.lstat(dir).catch(() => undefined);
  if (st && privateDirProblem(st, uid) !== undefined) {
    const aside = path.join(path.dirname(dir), `.untrusted-${uid}-${randomBytes(4).toString('hex')}`);
    await fs.rename(dir, aside);
    await fs.rm(aside, { recursive: true, force: true });
  }
  await fs.mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  await fs.chown(dir, uid, -1);
  await fs.chmod(dir, 0o700);
  return dir;
}

/** A user's own place (2 or 3), made 0700 if missing; undefined when it is not safely theirs. */
async function ownPlace(dir: string, uid: number): Promise<string | undefined> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => {});
  if (!(await trustedPlace(dir, uid))) return undefined;
  return (await fs.access(dir, fs.constants.W_OK).then(() => true, () => false)) ? dir : undefined;
}

/**
 * The place this process writes uid's locks in, or undefined when it has none (then only the
 * engine's list of live sandboxes protects a trim). Root always has one: it makes place 1.
 */
export async function writableLockPlace(uid: number, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (isRoot()) return rootMadePlace(uid, env).catch(() => undefined);
  const [shared, ...own] = await lockPlaces(uid, env);
  if (shared && (await trustedPlace(shared, uid)) && (await fs.access(shared, fs.constants.W_OK).then(() => true, () => false))) return shared;
  if ((process.getuid?.() ?? -1) !== uid) return undefined;
  for (const dir of own) {
    const ok = await ownPlace(dir, uid);
    if (ok) return ok;
  }
  return undefined;
}

/** Every trustworthy place of uid, for readers (is a trim running? which runs are live?). */
export async function readableLockPlaces(uid: number, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const places: string[] = [];
  for (const dir of await lockPlaces(uid, env)) if (await trustedPlace(dir, uid)) places.push(dir);
  return places;
}
