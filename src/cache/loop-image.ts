import { promises as fs } from 'node:fs';
import { existsSync } from 'node:fs';
import { CacheError } from '../common/errors.js';
import { missingTools, run } from './host-exec.js';
import { mountAt } from './mountinfo.js';
import type { LoopPaths } from './paths.js';

/**
 * Hard cache limits: one ext4 image per user, loop-mounted under the state dir and handed to the
 * engine as a bind volume. The filesystem's size is the quota, so ENOSPC hits only that user.
 * Everything here needs root; callers check hardLimitUnavailable() first.
 */

/** Why a hard limit cannot be had on this host, or undefined when it can. */
export async function hardLimitUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'gobox is not running as root';
  if (!existsSync('/dev/loop-control')) return 'no loop devices (/dev/loop-control is missing)';
  const missing = await missingTools(['mkfs.ext4', 'resize2fs', 'e2fsck', 'losetup', 'mount', 'umount']);
  return missing.length ? `${missing.join(', ')} not installed (Debian: apt-get install e2fsprogs mount)` : undefined;
}

/** Makes the image (sparse, so it costs only what is used), its filesystem, and mounts it. */
export async function createImage(p: LoopPaths, bytes: number, owner: { uid: number; gid: number }): Promise<void> {
  await fs.rm(p.image, { force: true });
  const fh = await fs.open(p.image, 'wx', 0o600);
  try {
    await fh.truncate(bytes);
  } finally {
    await fh.close();
  }
  // -m 0: no blocks reserved for root, who never writes here. root_owner: the user's from the start.
  await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-L', `gobox-${owner.uid}`, '-E', `root_owner=${owner.uid}:${owner.gid}`, p.image], 'make the cache filesystem');
  await attachImage(p);
  await fs.chmod(p.mount, 0o700);
  for (const sub of ['build', 'mod']) {
    await fs.mkdir(`${p.mount}/${sub}`, { mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    await fs.chown(`${p.mount}/${sub}`, owner.uid, owner.gid);
  }
}

/** True when the image, and not something else, is mounted at its mount point. */
export async function isAttached(p: LoopPaths): Promise<boolean> {
  const m = await mountAt(p.mount);
  if (!m || !m.source.startsWith('/dev/loop')) return false;
  // Only root can be sure which file backs the device; for others a loop mount there is enough.
  if (process.getuid?.() !== 0) return true;
  const backing = await loopDevicesOf(p.image);
  return backing.includes(m.source);
}

/** Loop devices already backed by this image (e.g. still held by the engine's own bind mount). */
async function loopDevicesOf(image: string): Promise<string[]> {
  const out = await run('losetup', ['-j', image], 'list loop devices');
  return out.split('\n').map((l) => l.split(':')[0]!).filter((d) => d.startsWith('/dev/loop'));
}

/**
 * Mounts the image at its mount point. A loop device that already backs the image is reused:
 * mounting the file through a second loop device would put one ext4 on two block devices, and
 * the kernel would not stop the two from overwriting each other.
 */
export async function attachImage(p: LoopPaths): Promise<void> {
  // The bare mount point belongs to root: if the image ever is not mounted, the engine's bind
  // gives the user a directory they cannot write, rather than unlimited space on the host disk.
  await fs.mkdir(p.mount, { recursive: true, mode: 0o755 });
  const opts = 'nosuid,nodev';
  const [existing] = await loopDevicesOf(p.image);
  if (existing) {
    // The device may predate a resize of the file: let it see the file's current size.
    await run('losetup', ['-c', existing], 'resize the loop device');
    await run('mount', ['-o', opts, existing, p.mount], 'mount the cache image');
  }
  else await run('mount', ['-o', `loop,${opts}`, p.image, p.mount], 'mount the cache image');
}

/** Unmounts; the kernel frees the loop device (autoclear) once no other mount holds it. */
export async function detachImage(p: LoopPaths): Promise<void> {
  if ((await mountAt(p.mount)) !== undefined) await run('umount', [p.mount], 'unmount the cache image');
}

export async function imageBytes(p: LoopPaths): Promise<number | undefined> {
  return (await fs.stat(p.image).catch(() => undefined))?.size;
}

/**
 * Grows the image and its filesystem, keeping the content. Online first (ext4 grows while
 * mounted, but that needs CAP_SYS_RESOURCE, which containers and some VMs lack); else offline,
 * only once the unmount really released the filesystem. On failure the file gets its old size
 * back, since the filesystem inside never grew, and the image is attached again.
 */
export async function growImage(p: LoopPaths, bytes: number): Promise<void> {
  const before = await imageBytes(p);
  if (before === undefined) throw new Error(`${p.image} is missing`);
  const dev = (await mountAt(p.mount))?.source;
  let resized = false;
  await fs.truncate(p.image, bytes);
  try {
    if (dev?.startsWith('/dev/loop')) {
      await run('losetup', ['-c', dev], 'resize the loop device');
      const online = await run('resize2fs', [dev], 'grow the cache filesystem').then(() => true, () => false);
      if (online) return;
      await detachImage(p);
      await waitReleased(p, dev);
    }
    // resize2fs insists on a freshly checked filesystem when it is not mounted; e2fsck exit 1 means "fixed".
    await run('sh', ['-c', 'e2fsck -f -y "$1" >/dev/null 2>&1; [ $? -le 1 ]', 'sh', p.image], 'check the cache filesystem');
    await run('resize2fs', [p.image], 'grow the cache filesystem');
    resized = true;
  } catch (e) {
    if (!resized) await fs.truncate(p.image, before);
    throw e;
  } finally {
    if (!(await isAttached(p))) await attachImage(p);
  }
}

/**
 * After an unmount the kernel frees an autoclear loop device once nothing else holds the
 * filesystem (the engine's own bind mount of a running sandbox, another mount namespace).
 * Until then an offline resize would write under a live filesystem, so it is refused.
 */
async function waitReleased(p: LoopPaths, dev: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    if (!(await loopDevicesOf(p.image)).includes(dev)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CacheError(`the cache filesystem is still in use (${dev}), so it cannot grow now`);
}
