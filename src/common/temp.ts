import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isOwnerAlive, ownerToken } from './owner-token.js';

/**
 * Everything half-made in a directory gobox shares between processes (the toolchain store, a lock
 * place) is named ".tmp-<owner>-<purpose>-<name>-<random>": readers skip it (the store's list()
 * only reads "go1*"), and cleanStaleTemps() can tell whose it is.
 */
const TEMP_PREFIX = '.tmp-';

export function tempName(purpose: string, name: string): string {
  return `${TEMP_PREFIX}${ownerToken()}-${purpose}-${name}-${randomBytes(4).toString('hex')}`;
}

export function isTempName(entry: string): boolean {
  return entry.startsWith(TEMP_PREFIX);
}

/** Creates a fresh temp dir inside root (same filesystem, so rename() into place is atomic). */
export async function makeTempDir(root: string, purpose: string, name: string): Promise<string> {
  await fs.mkdir(root, { recursive: true, mode: 0o755 });
  const dir = path.join(root, tempName(purpose, name));
  await fs.mkdir(dir, { mode: 0o700 });
  return dir;
}

/**
 * Removes temp entries whose owner died (a killed install or remove). Errors are swallowed:
 * a user who may only read a shared store must still be able to list it.
 */
export async function cleanStaleTemps(root: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(root);
  } catch {
    return;
  }
  await Promise.all(
    entries.filter(isTempName).map(async (entry) => {
      const owner = entry.slice(TEMP_PREFIX.length).split('-')[0] ?? '';
      if (isOwnerAlive(owner)) return;
      await removeTree(path.join(root, entry)).catch(() => {});
    }),
  );
}

/** rm -rf that first makes dirs writable, since an imported tree may hold 0555 dirs. */
export async function removeTree(p: string): Promise<void> {
  try {
    await fs.rm(p, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EACCES') throw e;
    await chmodDirsWritable(p);
    await fs.rm(p, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function chmodDirsWritable(p: string): Promise<void> {
  const st = await fs.lstat(p).catch(() => undefined);
  if (!st?.isDirectory()) return;
  await fs.chmod(p, 0o700);
  for (const e of await fs.readdir(p)) await chmodDirsWritable(path.join(p, e));
}
