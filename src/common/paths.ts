import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Root of gobox's host state (toolchain store, cache images, locks).
 * Root and the daemon share /var/lib/gobox; a single user keeps theirs under XDG_DATA_HOME.
 * GOBOX_STATE_DIR overrides both, so tests can use temp dirs.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (env.GOBOX_STATE_DIR) return path.resolve(env.GOBOX_STATE_DIR);
  if (uid === 0) return systemStateDir(env);
  const dataHome = env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(dataHome, 'gobox');
}

/**
 * Root's runtime dir (daemon sockets, lock places): tmpfs, so nothing there outlives a reboot and
 * nothing a user writes there lands on the state partition. GOBOX_RUN_DIR overrides it for tests.
 */
export function runDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GOBOX_RUN_DIR ? path.resolve(env.GOBOX_RUN_DIR) : '/run/gobox';
}

export function toolchainsDir(env?: NodeJS.ProcessEnv): string {
  return path.join(stateDir(env), 'toolchains');
}

/**
 * Root's state dir, which every user reads: the administrator's toolchains and image archives.
 * GOBOX_SYSTEM_STATE_DIR moves it (tests); the default is /var/lib/gobox.
 */
export function systemStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GOBOX_SYSTEM_STATE_DIR ? path.resolve(env.GOBOX_SYSTEM_STATE_DIR) : '/var/lib/gobox';
}

/**
 * The system toolchain store a caller reads before their own, or undefined when there is no
 * second store to read: the caller's own store is the system one (root, the daemon), or
 * GOBOX_STATE_DIR replaced the whole state and GOBOX_SYSTEM_STATE_DIR does not name one.
 */
export function systemToolchainsDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.GOBOX_STATE_DIR && !env.GOBOX_SYSTEM_STATE_DIR) return undefined;
  const dir = path.join(systemStateDir(env), 'toolchains');
  return dir === toolchainsDir(env) ? undefined : dir;
}

/**
 * The gobox package root (holds profiles/ and images/): the nearest directory above this file
 * with gobox's package.json, so it is found from src/, dist/ or a single-file bundle alike.
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'profiles'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('gobox package root not found (no package.json with profiles/ above the code)');
    dir = up;
  }
}

export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(configHome, 'gobox');
}

/** Host-wide config directory; overridable so tests need not touch /etc. */
export function systemConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GOBOX_SYSTEM_CONFIG_DIR ? path.resolve(env.GOBOX_SYSTEM_CONFIG_DIR) : '/etc/gobox';
}
