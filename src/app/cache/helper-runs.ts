import { CacheError } from '../../common/errors.js';
import { helperCaller } from '../../common/helper-caller.js';
import { userByUid } from '../../common/host-user.js';
import { CLEAR_SCRIPT, parseScan, SCAN_SCRIPT, TRIM_SCRIPT, type CacheScan, type TrimPlan } from '../../cache/index.js';
import type { Engine } from '../../engine/index.js';
import { cacheScriptSpec } from '../../sandbox/helper-spec.js';

export interface CacheOwner {
  uid: number;
  gid: number;
}

/**
 * Measuring and trimming happen in a short helper sandbox that runs as the cache's owner, with
 * no capabilities and no network (sandbox/helper-spec.ts): the only way a docker-group user can
 * reach their volume, and the safe way for root, who should not walk a tree the user controls.
 */
async function helper(engine: Engine, image: string, volume: string, owner: CacheOwner, script: string, args: string[] = []) {
  const res = await engine.runHelper(cacheScriptSpec(image, volume, owner, script, args, helperCaller()));
  if (res.exitCode !== 0) throw new CacheError(`cache helper for ${volume} failed (exit ${res.exitCode}): ${res.output.trim().split('\n').slice(-2).join('; ')}`);
  return res.output;
}

export async function scanCache(engine: Engine, image: string, volume: string, owner: CacheOwner): Promise<CacheScan> {
  return parseScan(await helper(engine, image, volume, owner, SCAN_SCRIPT));
}

export async function applyTrim(engine: Engine, image: string, volume: string, owner: CacheOwner, plan: TrimPlan): Promise<void> {
  if (plan.buildCutoff === undefined && plan.modules.length === 0) return;
  await helper(engine, image, volume, owner, TRIM_SCRIPT, [plan.buildCutoff === undefined ? '' : String(plan.buildCutoff), ...plan.modules.map((m) => m.path)]);
}

export async function clearCache(engine: Engine, image: string, volume: string, owner: CacheOwner): Promise<void> {
  await helper(engine, image, volume, owner, CLEAR_SCRIPT);
}

/** The primary group of a uid, for root acting on another user's cache; never group root. */
export function primaryGid(uid: number): Promise<number> {
  return userByUid(uid).then((u) => (u && u.gid > 0 ? u.gid : 65534), () => 65534);
}
