import { leftoverReason } from '../app/run/gc.js';
import { errorMessage } from '../common/errors.js';
import { hostBootId } from '../common/identity.js';
import { LABEL } from '../common/labels.js';
import { logger } from '../common/logger.js';
import { ownerAlive } from '../common/owner-process.js';
import { shortId } from '../common/short-id.js';
import type { Engine } from '../engine/index.js';
import { removeUnusedNetworks } from '../app/network/unused-networks.js';
import type { AuditLog } from './audit.js';
import { DAEMON_LABEL } from './handler.js';

const log = logger('reaper');

/**
 * Reconciles by label: every sandbox this daemon (same run dir) made whose connection is not
 * live any more goes. At start-up nothing is live, so a previous daemon's sandboxes (killed,
 * crashed, or orphaned by an engine restart) are all removed; later runs catch sandboxes whose
 * removal failed while the engine was away. `isLive` is checked per sandbox, after listing, so
 * a connection that starts meanwhile is never mistaken for a dead one.
 */
export async function reconcile(engine: Engine, key: string, isLive: (conn: string) => boolean, audit: AuditLog): Promise<number> {
  const list = await engine.listSandboxes({ [DAEMON_LABEL.daemon]: key });
  let removed = 0;
  for (const s of list) {
    const conn = s.labels[DAEMON_LABEL.conn] ?? '';
    if (isLive(conn)) continue;
    try {
      await engine.removeSandbox(s.id);
      removed++;
      await audit.write({ event: 'reaped', uid: Number(s.labels[LABEL.owner]), session: conn, container: shortId(s.id), why: 'its client connection is gone' });
    } catch (e) {
      log.warn(`cannot remove leftover sandbox ${s.name}: ${errorMessage(e)}`);
    }
  }
  await reapNetworks(engine);
  return removed;
}

/** Per-user networks no sandbox uses any more go with the sandboxes (a class of 40 would use up the engine's address pools). */
async function reapNetworks(engine: Engine): Promise<void> {
  try {
    const gone = await removeUnusedNetworks(engine);
    if (gone.length) log.info(`removed ${gone.length} unused network(s): ${gone.join(', ')}`);
  } catch (e) {
    log.warn(`cannot remove unused networks now: ${errorMessage(e)}`);
  }
}

/**
 * Helper containers (cache scan, chown, limits probe) of any user whose gobox process is gone:
 * a gobox killed during one, or this daemon's own from before a crash, would leave them forever.
 */
export async function sweepHelpers(engine: Engine): Promise<number> {
  const now = new Date();
  const boot = hostBootId();
  let removed = 0;
  for (const h of await engine.listSandboxes({ [LABEL.kind]: 'helper' })) {
    const why = leftoverReason(h, now, boot, ownerAlive);
    if (!why) continue;
    try {
      await engine.removeSandbox(h.id);
      removed++;
      log.debug(`removed helper ${h.name}: ${why}`);
    } catch (e) {
      log.warn(`cannot remove leftover helper ${h.name}: ${errorMessage(e)}`);
    }
  }
  return removed;
}
