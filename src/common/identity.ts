import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';

/** Who the sandbox runs as. Never root: root callers are refused a root sandbox in sandbox/spec.ts. */
export interface Identity {
  uid: number;
  gid: number;
  user: string;
  home: string;
}

export function currentIdentity(): Identity {
  const info = os.userInfo();
  return { uid: info.uid, gid: info.gid, user: info.username, home: info.homedir };
}

/** The kernel's boot id: with the pid and its start time it names a gobox process uniquely. */
export function hostBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return os.hostname();
  }
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), guards against pid reuse. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** True when the process that made a sandbox is still the same live process. */
export function processAlive(pid: number, startTime: string | undefined): boolean {
  const now = processStartTime(pid);
  if (now === undefined) return false;
  return startTime === undefined || startTime === '' || now === startTime;
}

/**
 * The inode of a process's PID namespace ("pid:[4026531836]" gives "4026531836"). A pid is only
 * meaningful inside its namespace: gobox in a CI container and gobox on the host may both be pid 7.
 */
export function pidNamespace(pid: number | 'self' = 'self'): string | undefined {
  try {
    return /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/pid`))?.[1];
  } catch {
    return undefined;
  }
}
