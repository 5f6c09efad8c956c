import { LABEL } from '../../common/labels.js';
import { hostBootId } from '../../common/identity.js';
import { ownerAlive } from '../../common/owner-process.js';
import type { Engine, SandboxSummary } from '../../engine/index.js';

export interface SweepResult {
  removed: SandboxSummary[];
  kept: number;
}

/** Is the gobox process (pid, start time, PID namespace) that made an object still there? */
export type OwnerCheck = (pid: number, start: string, pidns: string) => boolean;

const SWEPT_KINDS = new Set(['sandbox', 'helper']);

/** Helpers made before they carried their owner's pid: only an old one is surely left over. */
const UNOWNED_HELPER_AGE_MS = 3_600_000;

/**
 * Why a sandbox or helper is a leftover: the gobox process that made it is dead (same boot, pid
 * gone or reused in its PID namespace), the host rebooted since, or it outlived its wall-clock
 * limit. Pure, so it is testable; the owner check decides what "dead" means across namespaces.
 */
export function leftoverReason(s: SandboxSummary, now: Date, bootId: string, alive: OwnerCheck): string | undefined {
  const expires = Date.parse(s.labels[LABEL.expires] ?? '');
  if (Number.isFinite(expires) && expires < now.getTime()) return 'expired';
  const host = s.labels[LABEL.host];
  if (host && host !== bootId) return 'made before the last reboot';
  const pid = Number(s.labels[LABEL.pid]);
  if (!Number.isInteger(pid) || pid <= 0) {
    // A helper of an older gobox may still be at work; once it is an hour old it is not.
    if (s.labels[LABEL.kind] === 'helper' && now.getTime() - s.created.getTime() < UNOWNED_HELPER_AGE_MS) return undefined;
    return 'no owning process recorded';
  }
  if (!alive(pid, s.labels[LABEL.pidStart] ?? '', s.labels[LABEL.pidns] ?? '')) return `owning gobox process ${pid} is gone`;
  return undefined;
}

/**
 * Removes sandboxes and helper containers (cache scan, chown, limits probe) whose gobox process
 * died. Owner limits the sweep to one user's objects. Shared objects such as the proxy-mode
 * forwarder carry no owning process and are never listed here.
 */
export async function sweepLeftovers(engine: Engine, owner?: number, now = new Date()): Promise<SweepResult> {
  const mine: Record<string, string> = owner === undefined ? {} : { [LABEL.owner]: String(owner) };
  // One listing (every run starts with this sweep), then only the kinds that have an owning process.
  const list = (await engine.listSandboxes(mine)).filter((s) => SWEPT_KINDS.has(s.labels[LABEL.kind] ?? ''));
  const boot = hostBootId();
  const removed: SandboxSummary[] = [];
  for (const s of list) {
    if (!leftoverReason(s, now, boot, ownerAlive)) continue;
    await engine.removeSandbox(s.id);
    removed.push(s);
  }
  return { removed, kept: list.length - removed.length };
}
