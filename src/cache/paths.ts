import path from 'node:path';
import { CacheError } from '../common/errors.js';
import { stateDir } from '../common/paths.js';

/** Where root keeps the per-user loop images: "<stateDir>/caches/<uid>.img", mounted at "<uid>.mnt". */
export function cachesDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'caches');
}

export interface LoopPaths {
  image: string;
  mount: string;
}

export function loopPaths(uid: number, dir = cachesDir()): LoopPaths {
  return { image: path.join(dir, `${uid}.img`), mount: path.join(dir, `${uid}.mnt`) };
}

/**
 * A hard volume's image and mount point as root may use them. They are read back from engine
 * labels and driver options, which anyone who can reach the engine can set on a volume of
 * their own making; root would then mount, truncate, mkfs or delete whatever they name. So only
 * the owner's own "<uid>.img" and "<uid>.mnt" in this state dir's caches folder are accepted.
 */
export function confinedLoopPaths(
  volume: { name: string; owner: string | undefined; image: string | undefined; mount: string | undefined },
  dir = cachesDir(),
): LoopPaths {
  const uid = /^[1-9][0-9]*$/.test(volume.owner ?? '') ? Number(volume.owner) : undefined;
  const expected = uid === undefined ? undefined : loopPaths(uid, dir);
  const image = volume.image === undefined ? expected?.image : path.resolve(volume.image);
  const mount = volume.mount === undefined ? expected?.mount : path.resolve(volume.mount);
  if (!expected || image !== expected.image || mount !== expected.mount) {
    throw new CacheError(
      `refusing cache volume ${volume.name}: its labels name image ${volume.image ?? '(none)'} and mount ${volume.mount ?? '(none)'}, but a hard cache of ${uid === undefined ? `owner ${JSON.stringify(volume.owner ?? '')}` : `uid ${uid}`} lives only in ${dir}`,
      { hint: `remove the volume (its files are left alone): sudo gobox cache clear --reset${uid === undefined ? '' : ` --user ${uid}`}, or docker volume rm ${volume.name}` },
    );
  }
  return expected;
}
