import { ImageError, errorMessage } from '../../common/errors.js';
import type { Progress } from '../../common/progress.js';
import type { Engine } from '../../engine/index.js';
import { isBuildableRef } from './recipe.js';
import { exportImageArchive } from './transfer.js';

export type BuildMode = 'offline' | 'online' | 'auto';

/**
 * Builds the base image. "auto" tries the offline recipe when it can (root with debootstrap)
 * because it needs no registry, and the online Dockerfile otherwise.
 */
export async function buildImage(engine: Engine, ref: string, mode: BuildMode, progress: Progress): Promise<void> {
  if (!isBuildableRef(ref)) {
    throw new ImageError(`image ${ref} is not gobox's base image and cannot be built here`, { hint: 'build or load it with your engine, or use a gobox-base:* image' });
  }
  // Loaded on demand: the build code (tar packing) is not needed on the path of every run.
  const { buildImageOffline, buildImageOnline } = await import('./build.js');
  if (mode === 'offline') return buildImageOffline(engine, ref, progress);
  if (mode === 'online') return buildImageOnline(engine, ref, progress);
  if (process.getuid?.() === 0) {
    try {
      return await buildImageOffline(engine, ref, progress);
    } catch (e) {
      progress.notice(`offline build failed (${errorMessage(e)}); trying the online recipe`);
    }
  }
  return buildImageOnline(engine, ref, progress);
}

/** Makes sure the sandbox image exists; builds gobox's own base on first use. */
export async function ensureImage(engine: Engine, ref: string, progress: Progress): Promise<void> {
  if (await engine.imageExists(ref)) return;
  if (!isBuildableRef(ref)) {
    throw new ImageError(`sandbox image ${ref} is missing`, { hint: `load it into the engine, or set image: gobox-base:bookworm in the profile` });
  }
  await buildImage(engine, ref, 'auto', progress);
}

/**
 * Leaves the image as an archive rootless engines load on first use (image-transfer.ts), building
 * it first when the engine lacks it. Root's `image build` ends with this, so one command serves
 * every rootless user.
 */
export async function exportForRootless(engine: Engine, ref: string, progress: Progress, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  await ensureImage(engine, ref, progress);
  progress.start(`Writing ${ref} as an archive for rootless engines`);
  try {
    const file = await exportImageArchive(engine, ref, env);
    progress.succeed(`Wrote ${file} (mode 0644) for rootless engines`);
    return file;
  } catch (e) {
    progress.fail(`Writing the archive of ${ref} failed`);
    throw e instanceof ImageError ? e : new ImageError(`cannot write the archive of ${ref}: ${errorMessage(e)}`, { hint: 'check the disk and the state dir (/var/lib/gobox)' });
  }
}
