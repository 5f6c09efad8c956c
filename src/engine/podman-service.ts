import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineUnavailableError } from '../common/errors.js';
import { socketListening } from '../common/socket-probe.js';
import { socketPath } from './discover.js';
import type { EndpointInfo } from './engine.js';
import { ensureUserStorage, findOnPath } from './podman-storage.js';
import { ensureRuntimeDir } from './runtime-dir.js';

export { findOnPath };

export const ROOTLESS_PODMAN_VIA = 'rootless Podman socket';
/** The service exits after this long without a client; the next run starts it again (~0.2 s). */
const IDLE_SECONDS = 600;
const START_TIMEOUT_MS = 15_000;

/** True when /etc/subuid and /etc/subgid both give the user a range (by name or by uid). */
export function hasSubordinateIds(user: string, uid: number, files = { uid: '/etc/subuid', gid: '/etc/subgid' }): boolean {
  const has = (file: string) => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    return text.split('\n').some((l) => {
      const [who, , count] = l.trim().split(':');
      return (who === user || who === String(uid)) && Number(count) > 0;
    });
  };
  return has(files.uid) && has(files.gid);
}

/** Why rootless Podman cannot work for this user, as an error with the fix; undefined when it can. */
export function rootlessPodmanProblem(env: NodeJS.ProcessEnv, uid: number, user = os.userInfo().username): EngineUnavailableError | undefined {
  if (!findOnPath('podman', env)) {
    return new EngineUnavailableError('rootless Podman is not available: podman is not installed', {
      hint: 'ask an administrator to run: sudo apt-get install podman uidmap slirp4netns fuse-overlayfs (or use Docker)',
    });
  }
  if (!hasSubordinateIds(user, uid)) {
    return new EngineUnavailableError(`rootless Podman cannot run for ${user}: no subordinate uids/gids in /etc/subuid and /etc/subgid`, {
      hint: `ask an administrator to run: sudo usermod --add-subuids 200000-265535 --add-subgids 200000-265535 ${user} (pick a free range), then: podman system migrate`,
    });
  }
  return undefined;
}

/**
 * Starts the user's `podman system service` on the rootless socket when it is not there yet, or
 * when the socket is left over from a service that died (nothing listens on it).
 * A lock file keeps two concurrent gobox runs from starting two services on one socket. The
 * service is the user's own long-lived process; gobox never stops it (it exits when idle).
 */
export async function startRootlessPodman(ep: EndpointInfo, env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): Promise<boolean> {
  const sock = socketPath(ep.url);
  if (ep.via !== ROOTLESS_PODMAN_VIA || !sock || uid === 0) return false;
  // Without podman this candidate is simply absent, unless the user asked for Podman.
  if (!findOnPath('podman', env) && env.GOBOX_ENGINE !== 'podman') return false;
  const problem = rootlessPodmanProblem(env, uid);
  if (problem) throw problem;
  const runtimeDir = path.dirname(path.dirname(sock));
  ensureRuntimeDir(runtimeDir, env, uid);
  const podmanDir = path.dirname(sock);
  mkdirSync(podmanDir, { recursive: true, mode: 0o700 });
  const lock = path.join(podmanDir, 'gobox-start.lock');
  let fd: number | undefined;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch {
    // Someone else is starting it; a lock older than the start timeout is stale.
    if (Date.now() - statSync(lock).mtimeMs > START_TIMEOUT_MS) unlinkSync(lock);
    return waitForSocket(sock, undefined);
  }
  try {
    // Still refusing now that this process holds the lock: a dead service's socket, which would
    // make the new service fail to bind. It is in the user's own directory, checked above.
    if (existsSync(sock) && !(await socketListening(sock))) unlinkSync(sock);
    const serviceEnv = { ...env, XDG_RUNTIME_DIR: runtimeDir };
    await ensureUserStorage(serviceEnv);
    const log = openSync(path.join(podmanDir, 'gobox-service.log'), 'a', 0o600);
    const child = spawn('podman', ['system', 'service', `--time=${IDLE_SECONDS}`, ep.url], {
      env: serviceEnv,
      detached: true,
      // The service outlives this gobox; its conmon children fail ("Failed to get working
      // directory") once the directory gobox ran in is deleted, so it lives in / instead.
      cwd: '/',
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.unref();
    return await waitForSocket(sock, child, path.join(podmanDir, 'gobox-service.log'));
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}


async function waitForSocket(sock: string, child: ReturnType<typeof spawn> | undefined, logFile?: string): Promise<boolean> {
  let exited: number | null | undefined;
  child?.on('exit', (code) => (exited = code));
  const end = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < end) {
    if (await socketListening(sock)) return true;
    if (exited !== undefined) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-1)[0] ?? '' : '';
  throw new EngineUnavailableError(`podman system service did not come up on ${sock}${exited !== undefined ? ` (exit ${exited})` : ''}${tail ? `: ${tail}` : ''}`, {
    hint: recordedRuntimeDir(tail) ?? 'try it by hand: podman system service --time=0 unix://' + sock + ' (podman info shows what is wrong)',
  });
}

/**
 * Podman records its runtime dir at first use. One first used in a logind session remembers
 * /run/user/UID, which is gone after a reboot on a host without logind (or from cron), and it
 * refuses any other place: only that directory made again, or a reset, lets it start.
 */
function recordedRuntimeDir(tail: string): string | undefined {
  const m = /(\/run\/user\/(\d+))[^"]*"?[^:]*: permission denied|runroot\) "(\/run\/user\/(\d+))[^"]*" does not match/.exec(tail);
  const dir = m?.[1] ?? m?.[3];
  const uid = m?.[2] ?? m?.[4];
  if (!dir) return undefined;
  return `your Podman was first used with ${dir} as its runtime dir, which does not exist now: ask an administrator to make it again (sudo install -d -m 0700 -o ${uid} ${dir}; a logind session makes it too), or move your Podman to the new place with: podman system reset (this deletes your Podman images and containers)`;
}
