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
  if (uid === 0) return '/var/lib/gobox';
  const dataHome = env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(dataHome, 'gobox');
}

export function toolchainsDir(env?: NodeJS.ProcessEnv): string {
  return path.join(stateDir(env), 'toolchains');
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
