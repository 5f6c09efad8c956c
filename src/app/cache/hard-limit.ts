import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CacheError, ConflictError, errorMessage } from '../../common/errors.js';
import { LABEL } from '../../common/labels.js';
import { logger } from '../../common/logger.js';
import type { Progress } from '../../common/progress.js';
import { formatSize } from '../../common/units.js';
import {
  attachImage, CACHE_LABEL, cachesDir, cacheVolumeLabels, confinedLoopPaths, createImage, detachImage, growImage, imageBytes, isAttached, loopPaths,
  mountAt, usableLockDir, type LoopPaths,
} from '../../cache/index.js';
import type { Engine, VolumeInfo } from '../../engine/index.js';
import { withLock } from '../../common/lock-file.js';
import { helperCaller } from '../../common/helper-caller.js';
import { cacheMoveSpec } from '../../sandbox/helper-spec.js';

const log = logger('cache');

type User = { uid: number; gid: number };

/**
 * Where a hard volume's image and mount are. Its labels say so, but root acts on these paths
 * (mount, mkfs, truncate, rm), so labels naming anything but the owner's own files in this state
 * dir's caches folder are refused (CacheError) rather than followed.
 */
export function hardPaths(v: VolumeInfo): LoopPaths {
  const labelled = { name: v.name, owner: v.labels[LABEL.owner], image: v.labels[CACHE_LABEL.image], mount: v.options.device };
  // Only root acts on these paths (mount, mkfs, truncate, rm), so only root confines them to its
  // own caches folder. Anyone else only reads them (mountinfo, statfs, stat), and a hard cache
  // root made is in root's state dir, never in the user's own (~/.local/share/gobox).
  if (process.getuid?.() !== 0 && labelled.image !== undefined && labelled.mount !== undefined) {
    return { image: path.resolve(labelled.image), mount: path.resolve(labelled.mount) };
  }
  return confinedLoopPaths(labelled);
}

/**
 * Root's path: the user's loop image made, attached (again, after a reboot) and grown to the
 * profile's size. Returns false when a plain volume is in use and cannot be replaced now.
 */
export async function ensureHardVolume(engine: Engine, name: string, user: User, limit: number, existing: VolumeInfo | undefined, progress: Progress, image: string): Promise<boolean> {
  if (existing && existing.labels[CACHE_LABEL.mode] === 'hard' && !foreignPaths(existing)) {
    const p = hardPaths(existing);
    const size = await imageBytes(p);
    // The common case costs one mountinfo read and a stat; the lock is only for changes.
    if (size !== undefined && (size >= limit || (await sizeNoted(p, limit))) && (await isAttached(p))) {
      if (size > limit) await noteSize(p, limit, progress, shrinkText(user.uid, size, limit));
      return true;
    }
  }
  const dir = cachesDir();
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  return withLock(dir, `cache-${user.uid}`, async () => {
    let volume = await engine.getVolume(name);
    const plain = volume && volume.labels[CACHE_LABEL.mode] !== 'hard' ? volume : undefined;
    if (plain) volume = undefined;
    const foreign = volume && foreignPaths(volume);
    if (foreign) {
      await replaceForeignVolume(engine, name, foreign);
      progress.notice(`${foreign}; replaced the volume with one in ${cachesDir()} (the files it named were left alone)`);
      volume = undefined;
    }
    const p = volume ? hardPaths(volume) : loopPaths(user.uid);
    await attachOrCreate(p, user, limit, progress);
    if (plain) {
      await movePlainContent(engine, plain.name, p, user, image, progress);
      // In use by a sandbox: it stays for now (its content, copied, is copied again next time).
      if (!(await replacePlainVolume(engine, name))) return false;
    }
    if (!volume) {
      await engine.createVolume(name, cacheVolumeLabels(user.uid, 'hard', { [CACHE_LABEL.image]: p.image, [CACHE_LABEL.limit]: String(limit) }), {
        type: 'none', o: 'bind', device: p.mount,
      });
      log.debug(`cache volume ${name}: ${formatSize(limit)} ext4 image ${p.image} at ${p.mount}`);
    }
    // Root makes the user's lock place (under /run/gobox), so the user's own gobox marks its runs where root looks.
    await usableLockDir(user.uid);
    return true;
  });
}

async function attachOrCreate(p: LoopPaths, user: User, limit: number, progress: Progress): Promise<void> {
  const size = await imageBytes(p);
  if (size === undefined) {
    // Something mounted at our mount point without an image (a deleted image): clear the way.
    if (await mountAt(p.mount)) await detachImage(p);
    await fs.rm(sidecar(p), { force: true });
    progress.start(`Making a ${formatSize(limit)} cache for uid ${user.uid}`);
    try {
      await createImage(p, limit, user);
    } catch (e) {
      progress.fail();
      await detachImage(p).catch(() => {});
      await fs.rm(p.image, { force: true });
      throw e;
    }
    progress.succeed();
    return;
  }
  if (!(await isAttached(p))) {
    if (await mountAt(p.mount)) await detachImage(p);
    log.debug(`re-attaching ${p.image} at ${p.mount}`);
    await attachImage(p);
  }
  if (size < limit && !(await sizeNoted(p, limit))) {
    log.debug(`growing ${p.image} from ${formatSize(size)} to ${formatSize(limit)}`);
    try {
      await growImage(p, limit);
    } catch (e) {
      // The run goes on with the cache as it was; the next profile change tries again.
      await noteSize(p, limit, progress, `cache of uid ${user.uid} stays ${formatSize(size)}: cannot grow it to ${formatSize(limit)} now (${errorMessage(e)})`);
    }
  } else if (size > limit) {
    await noteSize(p, limit, progress, shrinkText(user.uid, size, limit));
  }
}

function shrinkText(uid: number, size: number, limit: number): string {
  return `cache of uid ${uid} stays ${formatSize(size)}: the profile asks for ${formatSize(limit)} and a cache image only grows; to shrink it: gobox cache clear --reset --user ${uid}`;
}

/**
 * A size the image will not take (smaller: ext4 cannot shrink while mounted, and a cache is not
 * worth an offline resize; larger: growing failed) is said once per requested size, not on
 * every run; a sidecar file remembers it.
 */
const sidecar = (p: LoopPaths) => `${p.image}.size-noted`;

async function sizeNoted(p: LoopPaths, limit: number): Promise<boolean> {
  return (await fs.readFile(sidecar(p), 'utf8').catch(() => '')) === String(limit);
}

async function noteSize(p: LoopPaths, limit: number, progress: Progress, text: string): Promise<void> {
  if (await sizeNoted(p, limit)) return;
  progress.notice(text);
  await fs.writeFile(sidecar(p), String(limit), { mode: 0o644 }).catch(() => {});
}

/** Why a hard volume's labels cannot be followed (they name files outside the caches folder), if they cannot. */
function foreignPaths(v: VolumeInfo): string | undefined {
  try {
    hardPaths(v);
    return undefined;
  } catch (e) {
    if (e instanceof CacheError) return e.message;
    throw e;
  }
}

/**
 * A hard volume naming files elsewhere (forged, or made by a gobox with another state dir) gives
 * way like a plain one: only its engine object goes. One in use by a sandbox stays, and the run
 * is refused rather than following its labels.
 */
async function replaceForeignVolume(engine: Engine, name: string, why: string): Promise<void> {
  if (!(await replacePlainVolume(engine, name))) {
    throw new CacheError(`${why}; it is in use, so it cannot be replaced now`, { hint: `stop the sandboxes that use it, or remove it: docker volume rm ${name}` });
  }
}

/**
 * A plain volume from before (made by the user's own gobox, without root) hands its content to
 * the new image: a first root run for a user must not drop their modules (sandbox/helper-spec.ts
 * cacheMoveSpec says what happens when they do not fit).
 */
async function movePlainContent(engine: Engine, from: string, p: LoopPaths, user: User, image: string, progress: Progress): Promise<void> {
  progress.start(`Moving the cache of uid ${user.uid} into its size-limited image`);
  const res = await engine.runHelper(cacheMoveSpec(image, from, p.mount, user, helperCaller()));
  if (res.exitCode !== 0) {
    progress.fail();
    throw new CacheError(`cannot move cache volume ${from} into ${p.image}: ${res.output.trim() || `helper exited ${res.exitCode}`}`);
  }
  progress.succeed();
  if (res.output.includes('partial')) progress.notice(`warning: the cache of uid ${user.uid} did not fit in its limit; its module cache starts empty`);
}

/** A volume gives way to the image (its content was moved first, or it is not gobox's to read). */
async function replacePlainVolume(engine: Engine, name: string): Promise<boolean> {
  try {
    await engine.removeVolume(name);
    log.debug(`replaced plain cache volume ${name} with a size-limited one`);
    return true;
  } catch (e) {
    if (e instanceof ConflictError || /in use/i.test(String((e as Error).message))) return false;
    throw e;
  }
}

/**
 * Root only: unmounts and deletes the image so the next run makes one at the profile's size.
 * A volume whose labels point outside the caches folder loses only its engine object: the files
 * it names are not gobox's to unmount or delete.
 */
export async function resetHardVolume(engine: Engine, volume: VolumeInfo): Promise<void> {
  let p: LoopPaths | undefined;
  try {
    p = hardPaths(volume);
  } catch (e) {
    log.debug(`${errorMessage(e)}; removing only the volume`);
  }
  await engine.removeVolume(volume.name).catch((e: unknown) => {
    throw new CacheError(`cannot remove ${volume.name}: ${(e as Error).message}`);
  });
  if (!p) return;
  await detachImage(p);
  await fs.rm(p.image, { force: true });
  await fs.rm(sidecar(p), { force: true });
}

/** Root: mounts a hard volume's image again if a reboot (or an admin) detached it. */
export async function reattachHard(volume: VolumeInfo): Promise<void> {
  const p = hardPaths(volume);
  if (await isAttached(p)) return;
  const uid = Number(volume.labels[LABEL.owner]);
  await withLock(cachesDir(), `cache-${uid}`, async () => {
    if (await isAttached(p)) return;
    if ((await imageBytes(p)) === undefined) throw new CacheError(`the image ${p.image} of ${volume.name} is missing`, { hint: `start afresh: gobox cache clear --reset --user ${uid}` });
    if (await mountAt(p.mount)) await detachImage(p);
    await attachImage(p);
  });
}
