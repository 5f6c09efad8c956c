import { LABEL } from '../common/labels.js';
import { hostBootId, processAlive } from '../common/identity.js';
import type { Engine, SandboxSummary } from '../engine/index.js';

export interface SweepResult {
  removed: SandboxSummary[];
  kept: number;
}

/**
 * Why a sandbox is a leftover: the gobox process that made it is dead (same boot, pid gone or
 * reused), the host rebooted since, or it outlived its wall-clock limit. Pure, so it is testable.
 */
export function leftoverReason(s: SandboxSummary, now: Date, bootId: string, alive: (pid: number, start: string) => boolean): string | undefined {
  const expires = Date.parse(s.labels[LABEL.expires] ?? '');
  if (Number.isFinite(expires) && expires < now.getTime()) return 'expired';
  const host = s.labels[LABEL.host];
  if (host && host !== bootId) return 'made before the last reboot';
  const pid = Number(s.labels[LABEL.pid]);
  if (!Number.isInteger(pid) || pid <= 0) return 'no owning process recorded';
  if (!alive(pid, s.labels[LABEL.pidStart] ?? '')) return `owning gobox process ${pid} is gone`;
  return undefined;
}

/** Removes sandboxes whose gobox process died. Owner limits the sweep to one user's sandboxes. */
export async function sweepLeftovers(engine: Engine, owner?: number, now = new Date()): Promise<SweepResult> {
  // Only sandboxes: shared objects such as the proxy-mode forwarder carry no owning process.
  const filter: Record<string, string> = { [LABEL.kind]: 'sandbox', ...(owner === undefined ? {} : { [LABEL.owner]: String(owner) }) };
  const list = await engine.listSandboxes(filter);
  const boot = hostBootId();
  const removed: SandboxSummary[] = [];
  for (const s of list) {
    if (!leftoverReason(s, now, boot, processAlive)) continue;
    await engine.removeSandbox(s.id);
    removed.push(s);
  }
  return { removed, kept: list.length - removed.length };
}
