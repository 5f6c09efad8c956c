import { constants, createReadStream } from 'node:fs';
import { access, chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ImageError, errorMessage } from '../../common/errors.js';
import { logger } from '../../common/logger.js';
import { stateDir, systemStateDir } from '../../common/paths.js';
import type { Progress } from '../../common/progress.js';
import type { Engine } from '../../engine/index.js';
import { DEFAULT_IMAGE } from './recipe.js';

const log = logger('image');

/** "gobox-base:bookworm" -> "gobox-base_bookworm.tar": one archive per image reference. */
export function archiveName(ref: string): string {
  return `${ref.replace(/[^A-Za-z0-9._-]/g, '_')}.tar`;
}

/** The places an archive may be, the caller's own state dir first. */
export function archiveCandidates(ref: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [...new Set([path.join(stateDir(env), 'images'), path.join(systemStateDir(env), 'images')])];
  return dirs.map((d) => path.join(d, archiveName(ref)));
}

/**
 * An archive becomes every sandbox's root filesystem, so only one that nobody else could have
 * planted counts: owned by root or the caller, and neither it nor its directory writable by others.
 */
export async function trustedArchive(file: string, uid = process.getuid?.() ?? 0): Promise<boolean> {
  try {
    for (const p of [file, path.dirname(file)]) {
      const st = await stat(p);
      if ((st.uid !== 0 && st.uid !== uid) || (st.mode & 0o022) !== 0) {
        log.debug(`ignoring ${file}: ${p} is owned by uid ${st.uid} with mode ${(st.mode & 0o777).toString(8)}`);
        return false;
      }
    }
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * A rootless engine cannot debootstrap and may have no registry, but root's engine built the
 * image already. The admin exports it once (`docker save`, or exportImageArchive) to
 * /var/lib/gobox/images/<name>.tar; on first use gobox loads it into the user's own storage.
 * Returns false when no trusted archive exists.
 */
export async function loadImageFromArchive(engine: Engine, ref: string, progress: Progress, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  for (const file of archiveCandidates(ref, env)) {
    if (!(await trustedArchive(file))) continue;
    // `docker save -o` writes 0600: an archive root left unreadable is said as such, not as EACCES mid-load.
    if (!(await access(file, constants.R_OK).then(() => true, () => false))) {
      throw new ImageError(`the image archive ${file} is not readable for you (mode ${((await stat(file)).mode & 0o777).toString(8)})`, { hint: `ask an administrator to run: sudo chmod 0644 ${file}, or to write it again: ${EXPORT_COMMAND}` });
    }
    progress.start(`Loading sandbox image ${ref} into your engine from ${file} (first use only)`);
    try {
      await engine.loadImage(createReadStream(file));
    } catch (e) {
      progress.fail(`Loading ${ref} failed`);
      throw new ImageError(`cannot load sandbox image ${ref} from ${file}: ${errorMessage(e)}`, { hint: 'ask an administrator to export it again' });
    }
    if (!(await engine.imageExists(ref))) {
      progress.fail(`Loading ${ref} failed`);
      throw new ImageError(`${file} does not contain ${ref}`, { hint: `export it again: sudo docker save ${ref} -o ${file}` });
    }
    progress.succeed(`Loaded sandbox image ${ref}`);
    return true;
  }
  return false;
}

/** What an administrator runs to leave the archive: it builds the image first when root's engine lacks it. */
export const EXPORT_COMMAND = 'sudo gobox image export';

/**
 * For admins: writes the engine's image as an archive rootless engines load (atomic). Modes are
 * set outright, not left to the umask: a root umask of 077 would make an archive, or a state
 * dir, that no user can read.
 */
export async function exportImageArchive(engine: Engine, ref: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = archiveCandidates(ref, env)[0]!;
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  // Users reach the archive through the state dir too.
  const parent = await stat(path.dirname(dir));
  if ((parent.mode & 0o005) !== 0o005 && parent.uid === process.getuid?.()) await chmod(path.dirname(dir), (parent.mode & 0o7777) | 0o055);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await pipeline(await engine.saveImage(ref), createWriteStream(tmp, { mode: 0o644 }));
    await chmod(tmp, 0o644);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return file;
}

/** The hint for a rootless user whose engine lacks the image and cannot build it. */
export function archiveHint(ref: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = path.join(systemStateDir(env), 'images', archiveName(ref));
  return `ask an administrator to run once: ${EXPORT_COMMAND}${ref === DEFAULT_IMAGE ? '' : ` --tag ${ref}`} (it builds the image if needed and leaves ${file}, readable, for rootless engines)`;
}
