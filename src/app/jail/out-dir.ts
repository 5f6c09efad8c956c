import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../common/errors.js';

/**
 * The out dir: made when missing, refused when it is a symlink (a build must not write through
 * one to somewhere else), not a directory, not writable, or the source itself (read-only there).
 */
export async function prepareOutDir(dir: string, projectRoot: string, owner: { uid: number; gid: number }): Promise<string> {
  const abs = path.resolve(dir);
  const st = await fs.lstat(abs).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  if (st?.isSymbolicLink()) throw new UsageError(`out dir ${abs} is a symlink; a jail build writes only into a real directory`, { hint: 'name the directory itself with -o' });
  if (st && !st.isDirectory()) throw new UsageError(`out dir ${abs} is not a directory`);
  // A parent that is a symlink is resolved: the outputs land where the real path says, and provenance names that.
  const parent = await fs.realpath(path.dirname(abs)).catch(() => {
    throw new UsageError(`out dir ${abs}: its parent directory does not exist`);
  });
  const real = path.join(parent, path.basename(abs));
  if (real === projectRoot || projectRoot.startsWith(real + path.sep)) {
    throw new UsageError(`out dir ${real} is the source tree or holds it; the jail mounts the source read-only`, { hint: 'use a directory inside or beside it, e.g. -o out/' });
  }
  if (!st) {
    await fs.mkdir(real).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`out dir ${real} cannot be made: ${e.code ?? e.message}`);
    });
    // Root building a user's project: the out dir it makes is the user's, like the binaries in it.
    if (process.getuid?.() === 0) await fs.chown(real, owner.uid, owner.gid);
  }
  await fs.access(real, constants.W_OK | constants.X_OK).catch(() => {
    throw new UsageError(`out dir ${real} is not writable`, { hint: 'choose a directory you can write with -o' });
  });
  return real;
}
