import { CacheError, errorMessage } from '../common/errors.js';
import { LABEL } from '../common/labels.js';
import { logger } from '../common/logger.js';
import type { Progress } from '../common/progress.js';
import { CACHE_LABEL, cacheLimitBytes, cacheVolumeLabels, hardLimitUnavailable, isAttached } from '../cache/index.js';
import type { Profile } from '../config/schema.js';
import type { Engine, VolumeInfo } from '../engine/index.js';
import { afterRunHard, afterRunSoft } from './cache-after-run.js';
import { ensureHardVolume, hardPaths } from './cache-hard.js';
import type { RunOutcome } from './execute.js';

export { withActiveRun } from './cache-lock.js';

const log = logger('cache');

type User = { uid: number; gid: number };

export function cacheVolumeName(uid: number): string {
  return `gobox-cache-${uid}`;
}

export function isHardVolume(v: VolumeInfo): boolean {
  return v.labels[CACHE_LABEL.mode] === 'hard';
}

/**
 * The user's cache volume at the profile's size. As root: a loop-backed ext4 image (a hard
 * limit), attached again after a reboot and grown when the profile grows. Otherwise, or when the
 * host has no loop devices: a plain volume whose soft limit afterRunCache keeps.
 */
export async function ensureCacheVolume(engine: Engine, user: User, profile: Profile, progress: Progress): Promise<string> {
  // Checked before anything is made: a bad size leaves nothing half-done.
  const limit = cacheLimitBytes(profile.cache.size);
  const name = cacheVolumeName(user.uid);
  const existing = await engine.getVolume(name);
  const owner = existing?.labels[LABEL.owner];
  if (owner !== undefined && owner !== String(user.uid)) {
    throw new CacheError(`cache volume ${name} belongs to uid ${owner}, not ${user.uid}`, { hint: `an administrator should remove it: docker volume rm ${name}` });
  }
  const unavailable = await hardLimitUnavailable();
  if (existing && isHardVolume(existing)) {
    if (unavailable === undefined) {
      await ensureHardVolume(engine, name, user, limit, existing, progress);
    } else if (!(await isAttached(hardPaths(existing)))) {
      // Never let the engine bind the bare mount point: the run would get no cache, or no limit.
      throw new CacheError(`cache volume ${name} is not attached (its image is not mounted at ${hardPaths(existing).mount}; did the host reboot?)`, {
        hint: `a root gobox attaches it again, e.g.: sudo gobox cache info --user ${user.uid}`,
      });
    }
    return name;
  }
  let fallback: string | undefined;
  if (unavailable === undefined && existing?.labels[CACHE_LABEL.fallback] === undefined) {
    try {
      // false: a plain volume from before is in use by another sandbox; it is replaced on a later run.
      if (!(await ensureHardVolume(engine, name, user, limit, existing, progress))) log.debug(`cache volume ${name} is in use; it keeps its soft limit for now`);
      return name;
    } catch (e) {
      fallback = errorMessage(e);
      progress.notice(`no hard cache limit for uid ${user.uid} (${fallback}); using a soft limit, measured and trimmed after each run`);
    }
  } else if (unavailable !== undefined && process.getuid?.() === 0) {
    // Said once, when the volume is made; later runs only log it.
    if (!existing) {
      fallback = unavailable;
      progress.notice(`no hard cache limit for uid ${user.uid} (${unavailable}); using a soft limit, measured and trimmed after each run`);
    } else log.debug(`soft cache limit: ${unavailable}`);
  }
  return ensureSoftVolume(engine, name, user, profile.image, await engine.getVolume(name), fallback);
}

/** A plain volume, chowned to the user by a short root helper that keeps only CAP_CHOWN. */
async function ensureSoftVolume(engine: Engine, name: string, user: User, image: string, existing: VolumeInfo | undefined, fallback?: string): Promise<string> {
  if (existing && (existing.labels['gobox.ready'] !== undefined || existing.labels[LABEL.owner] !== undefined)) return name;
  await engine.createVolume(name, cacheVolumeLabels(user.uid, 'soft', fallback ? { [CACHE_LABEL.fallback]: fallback.slice(0, 200) } : {}));
  const res = await engine.runHelper({
    image,
    command: ['sh', '-c', `mkdir -p /v/build /v/mod && chmod 0700 /v && chown -R ${user.uid}:${user.gid} /v`],
    user: '0:0',
    capAdd: ['CHOWN'],
    mounts: [{ kind: 'volume', name, target: '/v', readonly: false }],
    labels: { [LABEL.owner]: String(user.uid) },
    network: 'none',
  });
  if (res.exitCode !== 0) {
    await engine.removeVolume(name).catch(() => {});
    throw new CacheError(`cannot prepare cache volume ${name}: ${res.output.trim() || `helper exited ${res.exitCode}`}`);
  }
  return name;
}

/**
 * After each run: notices about the user's cache. A hard cache that filled up says so with the
 * way out; a soft cache over its limit is trimmed here. Never fails the run: the command's own
 * outcome matters more than a cache report.
 */
export async function afterRunCache(engine: Engine, user: User, profile: Profile, outcome: RunOutcome, deferSoft?: (check: () => Promise<string[]>) => void): Promise<string[]> {
  try {
    const volume = await engine.getVolume(cacheVolumeName(user.uid));
    if (!volume) return [];
    if (isHardVolume(volume)) return await afterRunHard(volume, user, outcome);
    if (deferSoft) {
      // Measuring takes a helper container: the agent does it once its caller has the exit status.
      deferSoft(() => afterRunSoft(engine, volume, user, profile).catch((e: unknown) => (log.debug(`cache check after the run failed: ${errorMessage(e)}`), [])));
      return [];
    }
    return await afterRunSoft(engine, volume, user, profile);
  } catch (e) {
    log.debug(`cache check after the run failed: ${errorMessage(e)}`);
    return [];
  }
}
