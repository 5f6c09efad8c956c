import { promises as fs } from 'node:fs';
import { CacheError, UsageError } from '../../common/errors.js';
import { LABEL } from '../../common/labels.js';
import { cacheLimitBytes, defaultTrimTarget, imageBytes, isAttached, planTrim, type CacheMode } from '../../cache/index.js';
import { loadHostConfig } from '../../config/host-config.js';
import { loadProfile } from '../../config/profiles.js';
import { connectEngine, type Engine, type VolumeInfo } from '../../engine/index.js';
import { engineChoice } from '../run/host-engine.js';
import { withCacheExclusive } from './exclusion.js';
import { applyTrim, clearCache, primaryGid, scanCache, type CacheOwner } from './helper-runs.js';
import { hardPaths, reattachHard, resetHardVolume } from './hard-limit.js';
import { cacheVolumeName, isHardVolume } from './volume.js';
import { logger } from '../../common/logger.js';

const log = logger('cache');

/** What `gobox cache` works with: the engine, and the profile that sets the helper image and soft limit. */
export interface CacheContext {
  engine: Engine;
  image: string;
  profileLimit: number;
}

export async function cacheContext(profileName: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<CacheContext> {
  const host = await loadHostConfig(env);
  const loaded = await loadProfile(profileName ?? env.GOBOX_PROFILE ?? host.config.defaultProfile, env);
  const profileLimit = cacheLimitBytes(loaded.profile.cache.size, loaded.file);
  return { engine: await connectEngine(env, engineChoice(host.config)), image: loaded.profile.image, profileLimit };
}

export interface CacheInfo {
  uid: number;
  volume: string;
  mode: CacheMode;
  limitBytes: number;
  usedBytes: number;
  buildBytes: number;
  modBytes: number;
  /** Hard: what the filesystem still has free, and what it holds in all (less than the image: journal, inodes). */
  freeBytes?: number;
  capacityBytes?: number;
  /** Hard: false when the image is not mounted (after a reboot, seen by a non-root caller). */
  attached: boolean;
  image?: string;
  mountpoint?: string;
}

const isRoot = () => process.getuid?.() === 0;

async function statfsBytes(dir: string): Promise<{ free: number; total: number }> {
  const st = await fs.statfs(dir);
  return { free: st.bavail * st.bsize, total: st.blocks * st.bsize };
}

/**
 * Whose cache a command acts on: the caller's, or (root only) the one --user names. Root without
 * --user gets undefined ("everybody", for info), or the sudo user when useSudoUser is set.
 */
export async function cacheOwner(user: number | undefined, useSudoUser: boolean, env: NodeJS.ProcessEnv = process.env): Promise<CacheOwner | undefined> {
  const self = process.getuid?.() ?? 0;
  if (user !== undefined && (!Number.isInteger(user) || user < 0)) throw new UsageError(`--user ${user}: expected a numeric uid`);
  if (!isRoot()) {
    if (user !== undefined && user !== self) throw new UsageError(`only root may act on the cache of uid ${user}; yours is uid ${self}`);
    const gid = process.getgid?.() ?? 65534;
    return { uid: self, gid: gid === 0 ? 65534 : gid };
  }
  const uid = user ?? (useSudoUser && Number(env.SUDO_UID) > 0 ? Number(env.SUDO_UID) : undefined);
  if (uid === 0) throw new UsageError('root has no cache: sandboxes never run as root', { hint: 'name a user: --user UID' });
  return uid === undefined ? undefined : { uid, gid: await primaryGid(uid) };
}

async function volumeOf(ctx: CacheContext, uid: number): Promise<VolumeInfo> {
  const v = await ctx.engine.getVolume(cacheVolumeName(uid));
  if (!v) throw new CacheError(`uid ${uid} has no cache yet (${cacheVolumeName(uid)} is made by the first gobox run)`);
  return v;
}

/** A hard volume must be mounted before a helper looks inside: root mounts it, others are told. */
async function readyHard(v: VolumeInfo): Promise<boolean> {
  if (!isHardVolume(v)) return true;
  if (isRoot()) await reattachHard(v);
  return isAttached(hardPaths(v));
}

export async function describeCache(ctx: CacheContext, v: VolumeInfo, owner: CacheOwner): Promise<CacheInfo> {
  const base = { uid: owner.uid, volume: v.name };
  if (!isHardVolume(v)) {
    const scan = await scanCache(ctx.engine, ctx.image, v.name, owner);
    return { ...base, mode: 'soft', limitBytes: ctx.profileLimit, usedBytes: scan.usedBytes, buildBytes: scan.buildBytes, modBytes: scan.modBytes, attached: true };
  }
  const p = hardPaths(v);
  const hard = { ...base, mode: 'hard' as const, limitBytes: (await imageBytes(p)) ?? Number(v.labels['gobox.cache-limit'] ?? 0), image: p.image, mountpoint: p.mount };
  if (!(await readyHard(v))) return { ...hard, usedBytes: 0, buildBytes: 0, modBytes: 0, attached: false };
  const scan = await scanCache(ctx.engine, ctx.image, v.name, owner);
  const st = await statfsBytes(p.mount);
  return { ...hard, usedBytes: scan.usedBytes, buildBytes: scan.buildBytes, modBytes: scan.modBytes, freeBytes: st.free, capacityBytes: st.total, attached: true };
}

/** `gobox cache info`: one user's cache, or (root without --user) every user's. */
export async function cacheInfo(ctx: CacheContext, owner: CacheOwner | undefined, onlyUids?: ReadonlySet<number>): Promise<CacheInfo[]> {
  if (owner) return [await describeCache(ctx, await volumeOf(ctx, owner.uid), owner)];
  const volumes = await ctx.engine.listVolumes({ [LABEL.kind]: 'cache' });
  const out: CacheInfo[] = [];
  for (const v of volumes.sort((a, b) => Number(a.labels[LABEL.owner]) - Number(b.labels[LABEL.owner]))) {
    const uid = Number(v.labels[LABEL.owner]);
    if (!Number.isInteger(uid) || uid <= 0) continue;
    // Measuring a volume runs a helper container: a class's listing asks only for its own uids.
    if (onlyUids && !onlyUids.has(uid)) continue;
    try {
      out.push(await describeCache(ctx, v, { uid, gid: await primaryGid(uid) }));
    } catch (e) {
      // One volume with untrusted labels (cache-hard.ts hardPaths) must not hide everybody else's.
      if (!(e instanceof CacheError)) throw e;
      log.debug(e.message);
    }
  }
  return out;
}

export interface TrimResult {
  uid: number;
  volume: string;
  beforeBytes: number;
  afterBytes: number;
  targetBytes: number;
  modulesRemoved: number;
}

/** `gobox cache trim [--to SIZE]`: oldest build entries, then oldest module versions, down to the target. */
export async function trimCache(ctx: CacheContext, owner: CacheOwner, toBytes?: number): Promise<TrimResult> {
  const v = await volumeOf(ctx, owner.uid);
  if (!(await readyHard(v))) throw new CacheError(`${v.name} is not attached; a root gobox attaches it again`, { hint: `sudo gobox cache info --user ${owner.uid}` });
  // A hard cache fills up at its filesystem's capacity, a little below the image size (journal, inodes).
  const limit = isHardVolume(v) ? await statfsBytes(hardPaths(v).mount).then((s) => s.total) : ctx.profileLimit;
  const target = toBytes ?? defaultTrimTarget(limit);
  const result = await withCacheExclusive(ctx.engine, owner.uid, 'trim', async () => {
    const scan = await scanCache(ctx.engine, ctx.image, v.name, owner);
    const plan = planTrim(scan.entries, scan.usedBytes, target);
    await applyTrim(ctx.engine, ctx.image, v.name, owner, plan);
    const after = plan.buildCutoff === undefined && plan.modules.length === 0 ? scan : await scanCache(ctx.engine, ctx.image, v.name, owner);
    return { uid: owner.uid, volume: v.name, beforeBytes: scan.usedBytes, afterBytes: after.usedBytes, targetBytes: target, modulesRemoved: plan.modules.length };
  }, 'refuse');
  return result!;
}

/** `gobox cache clear`: empties build and module cache, keeps the volume; --reset (root) deletes it outright. */
export async function clearCacheOf(ctx: CacheContext, owner: CacheOwner, reset = false): Promise<void> {
  const v = await volumeOf(ctx, owner.uid);
  if (reset && !isRoot()) throw new UsageError('only root may reset a cache (--reset deletes the volume and its image)');
  await withCacheExclusive(ctx.engine, owner.uid, 'clear', async () => {
    if (reset) {
      if (isHardVolume(v)) await resetHardVolume(ctx.engine, v);
      else await ctx.engine.removeVolume(v.name);
      return;
    }
    if (!(await readyHard(v))) throw new CacheError(`${v.name} is not attached; a root gobox attaches it again`, { hint: `sudo gobox cache info --user ${owner.uid}` });
    await clearCache(ctx.engine, ctx.image, v.name, owner);
  }, 'refuse');
}
