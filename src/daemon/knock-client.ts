import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { daemonPidFile, knockDir, userSocketDir } from './paths.js';

/** How long a client waits for the daemon to answer a knock (it answers in milliseconds). */
const KNOCK_WAIT_MS = 2000;

function daemonAlive(env: NodeJS.ProcessEnv): boolean {
  const pid = Number(readFileSync(daemonPidFile(env), 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is root's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Asks a running daemon for this user's socket (knock.ts), for users NSS does not enumerate.
 * True once the daemon made it. Synchronous, as the route choice is; the daemon removes the
 * knock when it has answered, either way.
 */
export function knockForSocket(uid: number, env: NodeJS.ProcessEnv): boolean {
  const dir = knockDir(env);
  try {
    if (!existsSync(dir) || !daemonAlive(env)) return false;
  } catch {
    return false;
  }
  const file = path.join(dir, `${uid}-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
  } catch {
    return false;
  }
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const end = Date.now() + KNOCK_WAIT_MS;
  while (existsSync(file) && Date.now() < end) Atomics.wait(nap, 0, 0, 10);
  rmSync(file, { force: true });
  return existsSync(userSocketDir(uid, env));
}
