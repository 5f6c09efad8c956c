import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Podman's per-user config and storage locations (containers-storage.conf(5)). */
export function userStoragePaths(env: NodeJS.ProcessEnv): { conf: string; root: string } {
  const home = env.HOME || os.homedir();
  const config = env.XDG_CONFIG_HOME || path.join(home, '.config');
  const data = env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  return { conf: path.join(config, 'containers', 'storage.conf'), root: path.join(data, 'containers', 'storage') };
}

/** Native overlay for unprivileged users arrived in Linux 5.13; older kernels need fuse-overlayfs. */
export function nativeRootlessOverlay(release = os.release()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return Boolean(m && (Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 13)));
}

/** The storage.conf gobox writes for a new user, or undefined when only vfs would work. */
export function storageConfText(native: boolean, fuseOverlayfs: string | undefined): string | undefined {
  if (native) return '[storage]\ndriver = "overlay"\n';
  if (fuseOverlayfs) return `[storage]\ndriver = "overlay"\n\n[storage.options.overlay]\nmount_program = "${fuseOverlayfs}"\n`;
  return undefined;
}

/**
 * A new user's rootless Podman may choose vfs, which copies the whole image for each container
 * (2-5 s per run instead of ~0.3 s). Before gobox first starts the user's service it writes an
 * overlay storage.conf, but only for a user with no storage yet: switching the driver of
 * existing storage needs `podman system reset`, which deletes their images. Returns what it did.
 */
export async function ensureUserStorage(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { conf, root } = userStoragePaths(env);
  if (existsSync(conf) || existsSync(root)) return undefined;
  const text = storageConfText(nativeRootlessOverlay(), findOnPath('fuse-overlayfs', env));
  if (!text) return undefined;
  await mkdir(path.dirname(conf), { recursive: true, mode: 0o755 });
  await writeFile(conf, text, { mode: 0o644, flag: 'wx' });
  return conf;
}

export function findOnPath(cmd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH || '/usr/bin:/bin').split(':')) {
    const p = path.join(dir || '.', cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
