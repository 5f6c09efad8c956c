import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { EngineUnavailableError, PolicyError } from '../common/errors.js';
import { privateDirProblem } from '../common/private-dir.js';

/**
 * Where a rootless engine keeps its sockets, chosen as Podman itself chooses: XDG_RUNTIME_DIR;
 * else /run/user/UID when logind made it; else, with no logind session (`su -`, cron, hosts
 * without systemd-logind), a private directory of the user's under the temp dir.
 */
export function rootlessRuntimeDir(env: NodeJS.ProcessEnv, uid: number): string {
  if (env.XDG_RUNTIME_DIR) return env.XDG_RUNTIME_DIR;
  const logind = `/run/user/${uid}`;
  return existsSync(logind) ? logind : tmpRuntimeDir(env, uid);
}

/** Podman's own fallback name, so the user's podman commands and gobox's service meet. */
export function tmpRuntimeDir(env: NodeJS.ProcessEnv, uid: number): string {
  return path.join(env.TMPDIR || '/tmp', `podman-run-${uid}`);
}

/**
 * Makes sure the runtime directory exists and is the user's alone before a service puts its
 * socket there. Only the temp-dir fallback is made here: another user could have made that
 * name first (to receive the socket, or to read what goes in it), so it must be a real
 * directory, the user's own, mode 0700. XDG_RUNTIME_DIR and /run/user are not ours to create.
 */
export function ensureRuntimeDir(dir: string, env: NodeJS.ProcessEnv, uid: number): void {
  const fallback = dir === tmpRuntimeDir(env, uid);
  if (!existsSync(dir)) {
    if (!fallback) {
      throw new EngineUnavailableError(`rootless Podman needs a runtime directory and ${dir} (XDG_RUNTIME_DIR) does not exist`, {
        hint: `unset XDG_RUNTIME_DIR (gobox then uses /run/user/${uid}, or ${tmpRuntimeDir(env, uid)} as Podman does), or create it: install -d -m 0700 ${dir}`,
      });
    }
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const problem = privateDirProblem(lstatSync(dir), uid, { mode: fallback });
  if (problem) {
    throw new PolicyError(`refusing to start rootless Podman in ${dir}: ${problem}, and it must be yours alone (uid ${uid}, mode 0700)`, {
      hint: fallback
        ? `someone else may have made it first: ask an administrator to remove ${dir}, or set XDG_RUNTIME_DIR to a directory of yours (mode 0700)`
        : `unset XDG_RUNTIME_DIR, or point it at your own directory (mode 0700)`,
    });
  }
}
