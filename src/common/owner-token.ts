import { processStartTime } from './identity.js';

/**
 * Who owns a temp dir, lock or run marker: "<pid>.<start>" where start is the process start time
 * in clock ticks since boot (/proc/<pid>/stat field 22). The start time makes a recycled pid look
 * dead, so a temp dir left by a killed install is cleaned even if another process now has its pid.
 * (Engine objects carry their owner in labels instead: see owner-process.ts.)
 */
export function ownerToken(pid = process.pid): string {
  const start = processStartTime(pid);
  return start === undefined ? String(pid) : `${pid}.${start}`;
}

/** True while the process that wrote the token still runs (false for a recycled pid). */
export function isOwnerAlive(token: string): boolean {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(token);
  if (!m) return false;
  const pid = Number(m[1]);
  if (pid === process.pid) return m[2] === undefined || m[2] === processStartTime(pid);
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to another user; that still counts as alive.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStartTime(pid);
  return m[2] === undefined || start === undefined || start === m[2];
}

/** The pid of a token, as told to a user who waits for its owner ("1234.5678" -> "1234"). */
export function ownerPid(token: string): string {
  return token.split('.')[0] ?? token;
}
