import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { hostBootId, pidNamespace, processAlive, processStartTime } from './identity.js';
import { LABEL } from './labels.js';

/** The kernel's initial PID namespace always has this inode (PROC_PID_INIT_INO): from it every process is visible. */
const INITIAL_PID_NS = '4026531836';

/**
 * Labels naming the gobox process that owns an engine object (a sandbox or a helper), so a
 * sweeper can tell when that process is gone: pid, its start time, its PID namespace, the boot.
 */
export function ownerProcessLabels(now = new Date(), ttlMs = 6 * 3_600_000): Record<string, string> {
  const ns = pidNamespace();
  return {
    [LABEL.pid]: String(process.pid),
    [LABEL.pidStart]: processStartTime(process.pid) ?? '',
    ...(ns ? { [LABEL.pidns]: ns } : {}),
    [LABEL.host]: hostBootId(),
    [LABEL.created]: now.toISOString(),
    [LABEL.expires]: new Date(now.getTime() + ttlMs).toISOString(),
  };
}

/** A process's pids from our namespace inwards (NSpid of /proc/PID/status, readable without ptrace rights). */
function nsPids(hostPid: string): string[] {
  try {
    const line = readFileSync(`/proc/${hostPid}/status`, 'utf8').split('\n').find((l) => l.startsWith('NSpid:'));
    return line?.trim().split(/\s+/).slice(1) ?? [];
  } catch {
    return [];
  }
}

/**
 * Whether a process of another PID namespace still runs, looked up from ours. When that namespace
 * is nested in ours its processes are visible here, and /proc/PID/status maps their pids. When
 * it is not visible: from the initial namespace as root, able to read every process's namespace,
 * that means it is gone; from anywhere else (a sibling CI container) nothing can be known, so it
 * counts as alive and only its expiry ends it.
 */
function aliveInOtherNamespace(pid: number, start: string, pidns: string): boolean {
  let seen = false;
  // A nested process whose namespace we may not read (no ptrace rights over it) leaves us blind.
  let blind = false;
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let ns: string | undefined;
    try {
      ns = /\[(\d+)\]/.exec(readlinkSync(`/proc/${entry}/ns/pid`))?.[1];
    } catch (e) {
      // Only a process in a namespace nested in ours (two pids or more) could be the one we look for.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && nsPids(entry).length > 1) blind = true;
      continue;
    }
    if (ns !== pidns) continue;
    seen = true;
    if (nsPids(entry).at(-1) !== String(pid)) continue;
    const now = processStartTime(Number(entry));
    return now !== undefined && (start === '' || now === start);
  }
  if (seen) return false;
  return blind || !(pidNamespace() === INITIAL_PID_NS && process.getuid?.() === 0);
}

/**
 * True while the gobox process that made an engine object may still run. A pid recorded in another
 * PID namespace is never judged by our /proc alone: that was how two CI jobs sharing one engine
 * deleted each other's sandboxes. Objects made before namespaces were labelled have no pidns.
 */
export function ownerAlive(pid: number, start: string, pidns = ''): boolean {
  const own = pidNamespace();
  if (pidns === '' || own === undefined || pidns === own) return processAlive(pid, start);
  return aliveInOtherNamespace(pid, start, pidns);
}
