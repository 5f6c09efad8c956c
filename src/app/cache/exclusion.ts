import { CacheError } from '../../common/errors.js';
import { hostBootId } from '../../common/identity.js';
import { ownerAlive } from '../../common/owner-process.js';
import { LABEL } from '../../common/labels.js';
import { logger } from '../../common/logger.js';
import { withRunMarker, withTrimLock } from '../../cache/index.js';
import type { Engine } from '../../engine/index.js';
import { leftoverReason } from '../run/gc.js';
import { discardIfWaiting } from '../warm/pool.js';

const log = logger('cache');

/**
 * Wrap a sandbox's life in this (run.ts does, around executeSandbox), so a trim or clear of the
 * same user's cache waits for no build and never deletes what a build is using.
 */
export function withActiveRun<T>(user: { uid: number }, fn: () => Promise<T>): Promise<T> {
  return withRunMarker(user.uid, fn, { onWait: (pid) => log.info(`waiting for a cache trim of uid ${user.uid} (pid ${pid}) to finish`) });
}

/** Why the user's cache is busy now: a live run marker, or a live sandbox of theirs the engine lists. */
async function busyReason(engine: Engine, uid: number, markerPids: string[]): Promise<string | undefined> {
  if (markerPids.length) return `gobox pid ${markerPids.join(', ')}`;
  // Runs started from another state dir leave no marker here, but their sandboxes carry the owner label.
  const boxes = await engine.listSandboxes({ [LABEL.owner]: String(uid), [LABEL.kind]: 'sandbox' });
  const now = new Date();
  const boot = hostBootId();
  const live = boxes.filter((b) => !leftoverReason(b, now, boot, ownerAlive));
  // A sandbox started ahead that no run has taken is no build: it goes, and frees the volume.
  const busy = [];
  for (const b of live) if (!(await discardIfWaiting(engine, b))) busy.push(b);
  return busy.length ? `sandbox ${busy.map((b) => b.name).join(', ')}` : undefined;
}

/**
 * Runs fn under the user's exclusive cache lock, only while no build of theirs is running.
 * onBusy 'refuse' throws the message a user sees from `gobox cache trim`; 'skip' returns undefined.
 */
export async function withCacheExclusive<T>(engine: Engine, uid: number, what: string, fn: () => Promise<T>, onBusy: 'refuse' | 'skip'): Promise<T | undefined> {
  return withTrimLock(uid, async (pids) => {
    const busy = await busyReason(engine, uid, pids);
    if (busy === undefined) return fn();
    log.debug(`cache ${what} of uid ${uid} skipped: in use by ${busy}`);
    if (onBusy === 'skip') return undefined;
    throw new CacheError(`a build of uid ${uid} is running (${busy}); ${what} again when it ends`);
  });
}
