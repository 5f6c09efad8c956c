import { promises as fs } from 'node:fs';
import { formatSize } from '../../common/units.js';
import { cacheLimitBytes, defaultTrimTarget, imageBytes, planTrim } from '../../cache/index.js';
import type { Profile } from '../../config/schema.js';
import type { Engine, VolumeInfo } from '../../engine/index.js';
import { withCacheExclusive } from './exclusion.js';
import { applyTrim, scanCache, type CacheOwner } from './helper-runs.js';
import { hardPaths } from './hard-limit.js';
import type { RunOutcome } from '../run/execute.js';

/** The command that frees space, as this caller must type it. */
export function trimCommand(uid: number, sub: 'trim' | 'clear'): string {
  const other = process.getuid?.() === 0 && uid !== 0 ? ` --user ${uid}` : '';
  return `gobox cache ${sub}${other}`;
}

export function quotaFullMessage(limit: number, volume: string, uid: number): string {
  return `cache quota ${formatSize(limit)} of ${volume} is full; free space with: ${trimCommand(uid, 'trim')} (or ${trimCommand(uid, 'clear')})`;
}

/**
 * "Full" leaves some slack: when a write fails with ENOSPC, Go and most tools delete their
 * partial file, so by the time the run is over a little space is free again.
 */
export function looksFull(freeBytes: number, totalBytes: number): boolean {
  return freeBytes <= Math.max(4 * 1024 ** 2, totalBytes * 0.05);
}

/** Hard limit: the filesystem already stopped the writes; a failed run on a full cache gets told why. */
export async function afterRunHard(volume: VolumeInfo, user: CacheOwner, outcome: RunOutcome): Promise<string[]> {
  if (outcome.exitCode === 0) return [];
  const p = hardPaths(volume);
  const st = await fs.statfs(p.mount);
  if (!looksFull(st.bavail * st.bsize, st.blocks * st.bsize)) return [];
  return [quotaFullMessage((await imageBytes(p)) ?? st.blocks * st.bsize, volume.name, user.uid)];
}

/** Soft limit: measure, and over the limit trim (oldest build entries, then oldest modules) to 80%. */
export async function afterRunSoft(engine: Engine, volume: VolumeInfo, user: CacheOwner, profile: Profile): Promise<string[]> {
  const limit = cacheLimitBytes(profile.cache.size);
  const scan = await scanCache(engine, profile.image, volume.name, user);
  if (scan.usedBytes <= limit) return [];
  const over = `${formatSize(scan.usedBytes)} of its ${formatSize(limit)} quota`;
  const trimmed = await withCacheExclusive(engine, user.uid, 'trim', async () => {
    const plan = planTrim(scan.entries, scan.usedBytes, defaultTrimTarget(limit));
    await applyTrim(engine, profile.image, volume.name, user, plan);
    return plan;
  }, 'skip');
  if (!trimmed) return [`cache ${volume.name} uses ${over}; another build is running, so it was not trimmed now; free space with: ${trimCommand(user.uid, 'trim')}`];
  const freed = trimmed.buildBytes + trimmed.moduleBytes;
  const mods = trimmed.modules.length ? ` and ${trimmed.modules.length} module version(s)` : '';
  return [`cache ${volume.name} used ${over}; trimmed ${formatSize(freed)} (oldest build cache entries${mods}) to about ${formatSize(trimmed.usedAfter)}`];
}
