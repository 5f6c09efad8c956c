import { CacheError, errorMessage } from '../../common/errors.js';
import { formatSize } from '../../common/units.js';
import { LABEL } from '../../common/labels.js';
import { helperCaller } from '../../common/helper-caller.js';
import { logger } from '../../common/logger.js';
import type { Progress } from '../../common/progress.js';
import { CACHE_LABEL, cacheLimitBytes, cacheVolumeLabels, hardLimitUnavailable, isAttached } from '../../cache/index.js';
import type { Profile } from '../../config/schema.js';
import type { Engine, VolumeInfo } from '../../engine/index.js';
import { cacheChownSpec } from '../../sandbox/helper-spec.js';
import { afterRunHard, afterRunSoft } from './after-run.js';
import { ensureHardVolume, hardPaths } from './hard-limit.js';
import type { RunOutcome } from '../run/execute.js';
import { recordWarning } from '../checks/warning-log.js';

export { withActiveRun } from './exclusion.js';

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
      await ensureHardVolume(engine, name, user, limit, existing, progress, profile.image);
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
      if (!(await ensureHardVolume(engine, name, user, limit, existing, progress, profile.image))) log.debug(`cache volume ${name} is in use; it keeps its soft limit for now`);
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
  const res = await engine.runHelper(cacheChownSpec(image, name, user, helperCaller()));
  if (res.exitCode !== 0) {
    await engine.removeVolume(name).catch(() => {});
    throw new CacheError(`cannot prepare cache volume ${name}: ${res.output.trim() || `helper exited ${res.exitCode}`}`);
  }
  return name;
}

/**
 * After each run: notices about the user's cache. A hard cache that filled up says so with the
 * way out; a soft cache over its limit is trimmed here. Never fails the run: the command's own
 * outcome matters more than a cache report. A check that cannot be made is a warning, though:
 * without it a soft limit silently stops holding.
 */
export async function afterRunCache(engine: Engine, user: User, profile: Profile, outcome: RunOutcome, deferSoft?: (check: () => Promise<string[]>) => void): Promise<string[]> {
  let soft = false;
  try {
    const volume = await engine.getVolume(cacheVolumeName(user.uid));
    if (!volume) return [];
    if (isHardVolume(volume)) return await afterRunHard(volume, user, outcome);
    soft = true;
    if (deferSoft) {
      // Measuring takes a helper container: the agent does it once its caller has the exit status.
      deferSoft(() => afterRunSoft(engine, volume, user, profile).catch((e: unknown) => cacheCheckFailed(e, user, profile, true)));
      return [];
    }
    return await afterRunSoft(engine, volume, user, profile);
  } catch (e) {
    return cacheCheckFailed(e, user, profile, soft);
  }
}

/** The warning for a cache check that could not be made, also kept for `gobox doctor`. */
async function cacheCheckFailed(e: unknown, user: User, profile: Profile, soft: boolean): Promise<string[]> {
  const name = cacheVolumeName(user.uid);
  const limit = soft ? `; its soft limit of ${formatSize(cacheLimitBytes(profile.cache.size))} is not kept while this fails` : '';
  const message = `warning: the cache check of ${name} after the run failed (${errorMessage(e)})${limit}; see gobox doctor`;
  log.debug(message);
  await recordWarning('cache-check', message);
  return [message];
}
