import { constants } from 'node:fs';
import { access, realpath } from 'node:fs/promises';
import { UsageError, errorMessage } from '../../common/errors.js';
import { findProjectRoot, type ProjectRoot } from '../../toolchain/gomod.js';

export interface Project extends ProjectRoot {
  /** The caller's working directory (real path), inside root. */
  cwd: string;
}

/** The project to mount: nearest go.work/go.mod dir at or above cwd, else cwd; it must be readable. */
export async function resolveProject(cwd: string): Promise<Project> {
  let real: string;
  try {
    // Real paths: the mount source must be what the engine sees, not a symlink to it.
    real = await realpath(cwd);
    await access(real, constants.R_OK | constants.X_OK);
  } catch (e) {
    throw new UsageError(`project directory ${cwd} is not readable: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`, {
      hint: 'run gobox from a directory you can read',
    });
  }
  const found = await findProjectRoot(real);
  try {
    await access(found.root, constants.R_OK | constants.X_OK);
  } catch (e) {
    throw new UsageError(`project directory ${found.root} is not readable: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  }
  return { ...found, cwd: real };
}
