import { promises as fs } from 'node:fs';
import path from 'node:path';
import { tempName } from '../../common/temp.js';

/**
 * Writes a file whole or not at all: a temp file in the same directory, flushed to disk, then
 * renamed over the target, and the directory flushed so the rename itself survives a power cut.
 * A reader sees the old file or the new one, never half of one. Class state holds grades: files
 * are the owner's only (0600) unless the caller says otherwise.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, tempName('write', path.basename(file)));
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
}

export async function writeJsonAtomic(file: string, value: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, mode);
}

/** fsync of a directory: makes a rename or a new entry in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
