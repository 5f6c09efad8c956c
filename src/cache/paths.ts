import os from 'node:os';
import path from 'node:path';
import { stateDir } from '../common/paths.js';

/** Where root keeps the per-user loop images: "<stateDir>/caches/<uid>.img", mounted at "<uid>.mnt". */
export function cachesDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'caches');
}

export interface LoopPaths {
  image: string;
  mount: string;
}

export function loopPaths(uid: number, dir = cachesDir()): LoopPaths {
  return { image: path.join(dir, `${uid}.img`), mount: path.join(dir, `${uid}.mnt`) };
}

/**
 * Directories that may hold a user's run markers and trim lock, in order of preference: this
 * process's state dir, root's (where an administrator's trim leaves its lock), and a temp dir
 * for a user whose state dir is root's (GOBOX_STATE_DIR) and not writable to them. Writers use
 * the first that works; readers look in all of them.
 */
export function lockDirs(uid: number, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [stateDir(env), stateDir({}, 0)].map((d) => path.join(d, 'locks', String(uid)));
  dirs.push(path.join(os.tmpdir(), `gobox-locks-${uid}`));
  return [...new Set(dirs)];
}
