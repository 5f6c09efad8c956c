import { cacheContext, cacheInfo, clearCacheOf, trimCache } from '../app/cache/admin.js';
import type { AuditLog } from './audit.js';
import { sendFrame } from '../wire/send.js';
import { FRAME } from '../wire/daemon-request.js';
import type { Session } from '../wire/session.js';

/**
 * `gobox cache info|trim|clear` for the socket's user, on their own cache only: the daemon
 * reads and trims it as root, which the user could not. Trim and clear refuse while a run of
 * theirs is active (app/cache/exclusion.ts); a reset (deleting the volume) stays root's own command.
 */
export async function serveCacheOp(s: Session, env: NodeJS.ProcessEnv, audit: AuditLog): Promise<void> {
  const ctx = await cacheContext(s.request.profile, env);
  const owner = { uid: s.user.uid, gid: s.user.gid };
  let result: unknown;
  if (s.request.op === 'cache-trim') {
    const r = await trimCache(ctx, owner, s.request.trimTo);
    await audit.write({ event: 'cache-trim', user: s.user.name, uid: s.user.uid, session: s.id, beforeBytes: r.beforeBytes, afterBytes: r.afterBytes });
    result = r;
  } else if (s.request.op === 'cache-clear') {
    await clearCacheOf(ctx, owner, false);
    result = { uid: owner.uid, cleared: true, reset: false };
    await audit.write({ event: 'cache-clear', user: s.user.name, uid: s.user.uid, session: s.id });
  } else {
    result = (await cacheInfo(ctx, owner))[0];
  }
  sendFrame(s.socket, FRAME.result, JSON.stringify(result));
}
