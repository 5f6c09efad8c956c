import { execFile } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import { promisify } from 'node:util';
import { CACHE_LABEL, imageBytes } from '../cache/index.js';
import { LABEL } from '../common/labels.js';
import { NotFoundError, UsageError } from '../common/errors.js';
import { shortId } from '../common/short-id.js';
import { hardPaths } from '../app/cache/hard-limit.js';
import { primaryGid, scanCache } from '../app/cache/helper-runs.js';
import { WAITING_COMMAND, WARM_LABEL, warmSandboxCommand } from '../app/warm/pool.js';
import type { Engine, VolumeInfo } from '../engine/index.js';
import { boxStats } from './cgroup-stats.js';
import { DAEMON_LABEL } from './handler.js';
import { allUsers, userByName } from './users.js';

const run = promisify(execFile);

export interface PsRow {
  id: string; user: string; uid: number; profile: string; command: string; ageSeconds: number;
  memoryBytes?: number; cpuSeconds?: number; cacheBytes?: number; via: 'daemon' | 'direct'; state: string;
}

export interface QuotaRow { user: string; uid: number; volume: string; mode: string; usedBytes?: number; limitBytes?: number }

async function names(): Promise<Map<number, string>> {
  // Names only label the rows: without them, uids are shown.
  return new Map((await allUsers().catch(() => [])).map((u) => [u.uid, u.name]));
}

/**
 * Bytes used in a user's cache: a hard cache's filesystem, a plain volume's directory, or a
 * cluster's claim, measured by a helper pod as its owner (as `cache info` does; only when an
 * image for it is given, since it costs a pod start) against the claim's size.
 */
async function cacheUse(v: VolumeInfo, engine: Engine, helperImage?: string): Promise<{ used?: number; limit?: number }> {
  if (v.driver === 'persistentvolumeclaim') {
    const uid = Number(v.labels[LABEL.owner]);
    const scan = helperImage ? await scanCache(engine, helperImage, v.name, { uid, gid: await primaryGid(uid) }).catch(() => undefined) : undefined;
    const limit = Number(v.options.sizeBytes);
    return { ...(scan ? { used: scan.usedBytes } : {}), ...(limit ? { limit } : {}) };
  }
  if (v.labels[CACHE_LABEL.mode] === 'hard') {
    let p;
    try {
      p = hardPaths(v);
    } catch {
      return {}; // labels that point outside the caches folder: nothing there is measured
    }
    const st = await statfs(p.mount).catch(() => undefined);
    const limit = (await imageBytes(p)) ?? (Number(v.labels[CACHE_LABEL.limit]) || undefined);
    return { ...(st ? { used: (st.blocks - st.bfree) * st.bsize } : {}), ...(limit ? { limit } : {}) };
  }
  const du = await run('du', ['-sb', v.mountpoint], { timeout: 30_000 }).catch(() => undefined);
  const used = Number(du?.stdout.split('\t')[0]);
  const limit = Number(v.labels[CACHE_LABEL.limit]);
  return { ...(Number.isFinite(used) ? { used } : {}), ...(limit ? { limit } : {}) };
}

/** Every cache against its limit; on a cluster the claims are measured only when `helperImage` names the image to measure with. */
export async function adminQuota(engine: Engine, helperImage?: string): Promise<QuotaRow[]> {
  const [vols, who] = await Promise.all([engine.listVolumes({ [LABEL.kind]: 'cache' }), names()]);
  const rows: QuotaRow[] = [];
  for (const v of vols) {
    const uid = Number(v.labels[LABEL.owner]);
    const use = await cacheUse(v, engine, helperImage);
    rows.push({ user: who.get(uid) ?? String(uid), uid, volume: v.name, mode: v.labels[CACHE_LABEL.mode] ?? 'soft',
      ...(use.used !== undefined ? { usedBytes: use.used } : {}), ...(use.limit !== undefined ? { limitBytes: use.limit } : {}) });
  }
  return rows.sort((a, b) => a.uid - b.uid);
}

export async function adminPs(engine: Engine, now = Date.now()): Promise<PsRow[]> {
  const [boxes, who, quota] = await Promise.all([engine.listSandboxes({ [LABEL.kind]: 'sandbox' }), names(), adminQuota(engine)]);
  const cache = new Map(quota.map((q) => [q.uid, q.usedBytes]));
  return Promise.all(boxes.map(async (b) => {
    const uid = Number(b.labels[LABEL.owner]);
    const created = Date.parse(b.labels[LABEL.created] ?? '') || b.created.getTime();
    const st = await boxStats(b.id);
    const c = cache.get(uid);
    // Started ahead by an agent: labelled before its command was known.
    const command = b.labels[WARM_LABEL] === 'true' && b.state === 'running'
      ? ((await warmSandboxCommand(engine, b.id).catch(() => undefined)) ?? WAITING_COMMAND)
      : (b.labels[LABEL.command] ?? '');
    return {
      id: shortId(b.id), user: who.get(uid) ?? String(uid), uid, profile: b.labels[LABEL.profile] ?? '', command,
      ageSeconds: Math.max(0, Math.round((now - created) / 1000)), state: b.state, via: b.labels[DAEMON_LABEL.daemon] ? 'daemon' : 'direct',
      ...(st.memoryBytes !== undefined ? { memoryBytes: st.memoryBytes } : {}), ...(st.cpuSeconds !== undefined ? { cpuSeconds: st.cpuSeconds } : {}),
      ...(c !== undefined ? { cacheBytes: c } : {}),
    } satisfies PsRow;
  }));
}

/** Kills (and removes) one sandbox by id prefix, or every sandbox of a user (name or uid). */
export async function adminKill(engine: Engine, target: { id?: string; user?: string }): Promise<string[]> {
  const boxes = await engine.listSandboxes({ [LABEL.kind]: 'sandbox' });
  let picked = boxes;
  if (target.id) {
    const id = target.id;
    // A full id or a name is exact; a prefix must name one sandbox, or a short one could kill many.
    const exact = boxes.filter((b) => b.id === id || b.name === id);
    picked = exact.length ? exact : boxes.filter((b) => b.id.startsWith(id));
    if (picked.length === 0) throw new NotFoundError(`no gobox sandbox ${id}`, { hint: 'see: gobox admin ps' });
    if (picked.length > 1) {
      const ids = picked.map((b) => shortId(b.id));
      throw new UsageError(`${id} matches ${picked.length} sandboxes (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''}); nothing was killed`, {
        hint: 'give more of the id (see: gobox admin ps), or kill all of a user\'s with --user',
      });
    }
  } else if (target.user) {
    const uid = /^\d+$/.test(target.user) ? Number(target.user) : (await userByName(target.user))?.uid;
    if (uid === undefined) throw new NotFoundError(`no user ${target.user}`);
    picked = boxes.filter((b) => b.labels[LABEL.owner] === String(uid));
  }
  for (const b of picked) await engine.removeSandbox(b.id);
  return picked.map((b) => shortId(b.id));
}
