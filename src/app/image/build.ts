import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packDirectory } from '../../common/tar.js';
import { ImageError, errorMessage } from '../../common/errors.js';
import { LABEL } from '../../common/labels.js';
import type { Progress } from '../../common/progress.js';
import type { Engine } from '../../engine/index.js';
import { DEBIAN_SUITE, imagesDir, recipeHash, recipePackages, RECIPE_FILES } from './recipe.js';

function run(cmd: string, args: string[], onLine: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const feed = (b: Buffer) => {
      const text = b.toString();
      tail = (tail + text).slice(-2000);
      for (const l of text.split('\n')) if (l.trim()) onLine(l.trim());
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (e) => reject(new ImageError(`cannot run ${cmd}: ${errorMessage(e)}`, { hint: `install it: apt-get install ${cmd}` })));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new ImageError(`${cmd} failed (exit ${code}): ${tail.trim().split('\n').pop() ?? ''}`)),
    );
  });
}

/**
 * Offline recipe: debootstrap a Debian root filesystem from Debian's packages (no registry),
 * finish it with the same finalize.sh as the Dockerfile, and import it as an image.
 */
export async function buildImageOffline(engine: Engine, ref: string, progress: Progress): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new ImageError('the offline image build needs root (debootstrap creates device nodes and owners)', {
      hint: `ask an administrator to run: sudo gobox image build --offline`,
    });
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'gobox-rootfs-'));
  const rootfs = path.join(work, 'rootfs');
  try {
    const packages = await recipePackages();
    progress.start(`Building sandbox image ${ref} offline from Debian's packages (debootstrap; first use only, about 1-3 minutes)`);
    await run('debootstrap', ['--variant=minbase', `--include=${packages.join(',')}`, DEBIAN_SUITE, rootfs], (l) =>
      progress.update(`debootstrap: ${l.slice(0, 100)}`),
    );
    await run('sh', [path.join(imagesDir(), 'finalize.sh'), rootfs], () => {});
    progress.update(`Importing ${ref} into the engine`);
    // umask 0: modes such as /tmp's 1777 must reach the image as they are on disk.
    // /dev, /proc and /sys are provided by the engine at run time; their nodes are not image content.
    const packed = packDirectory(rootfs, { umask: 0, ignore: (name) => /^(dev|proc|sys)\/./.test(path.relative(rootfs, name)) });
    await engine.importImage(packed, ref, [`LABEL ${LABEL.recipe}=${await recipeHash()}`, 'ENV LANG=C.UTF-8', 'CMD ["/bin/sh"]']);
    progress.succeed(`Built sandbox image ${ref}`);
  } catch (e) {
    progress.fail(`Building ${ref} failed`);
    throw e instanceof ImageError ? e : new ImageError(`cannot build sandbox image ${ref}: ${errorMessage(e)}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Online recipe: the Dockerfile in images/, for hosts that can pull debian:bookworm-slim. */
export async function buildImageOnline(engine: Engine, ref: string, progress: Progress): Promise<void> {
  progress.start(`Building sandbox image ${ref} from images/Dockerfile (first use only, about 1-2 minutes)`);
  const context = packDirectory(imagesDir(), { entries: [...RECIPE_FILES] });
  try {
    await engine.buildImage(context, ref, (l) => progress.update(l.slice(0, 100)));
    progress.succeed(`Built sandbox image ${ref}`);
  } catch (e) {
    progress.fail(`Building ${ref} failed`);
    throw new ImageError(`cannot build sandbox image ${ref}: ${errorMessage(e)}`, {
      hint: 'on a host without a registry, build it offline as root: sudo gobox image build --offline',
    });
  }
}
