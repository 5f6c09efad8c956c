import { errorMessage } from '../common/errors.js';
import { LABEL } from '../common/labels.js';
import { logger } from '../common/logger.js';
import type { Engine } from '../engine/index.js';
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
      await audit.write({ event: 'reaped', uid: Number(s.labels[LABEL.owner]), session: conn, container: s.id.slice(0, 12), why: 'its client connection is gone' });
    } catch (e) {
      log.warn(`cannot remove leftover sandbox ${s.name}: ${errorMessage(e)}`);
    }
  }
  return removed;
}
