import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ToolchainError } from '../common/errors.js';
import type { Progress } from '../common/progress.js';
import { copyDereferenced } from './copy-tree.js';
import type { ManifestSource } from './manifest.js';
import type { ArchiveChoice } from './mirror.js';
import { readVersionFile } from './verify.js';
import { compareGoVersions } from './version.js';

export type Build = (goroot: string, work: string) => Promise<void>;

/** Copies an existing GOROOT, symlinks followed; its VERSION must still name `version`. */
export function importBuild(src: string, version: string, progress: Progress): { source: ManifestSource; build: Build } {
  return {
    source: { kind: 'import', dir: src },
    build: async (goroot) => {
      const now = await readVersionFile(src);
      if (compareGoVersions(now, version) !== 0) {
        throw new ToolchainError(`${src} now holds go${now}, not go${version}`, { hint: `import go${version} from where it is now, or install it: gobox toolchain install ${version}` });
      }
      progress.start(`Importing go${version} from ${src}`);
      await copyDereferenced(src, goroot, (n) => {
        if (n % 500 === 0) progress.update(`Importing go${version} from ${src} (${n} files)`);
      });
    },
  };
}

/** Downloads the archive (sha256-checked as it streams), unpacks it and checks its VERSION. */
export function installBuild(choice: ArchiveChoice, mirror: string, progress: Progress, signal: AbortSignal | undefined): { source: ManifestSource; build: Build } {
  const { file } = choice;
  return {
    source: { kind: 'install', mirror, filename: file.filename, sha256: file.sha256.toLowerCase() },
    build: async (goroot, work) => {
      // Loaded on demand: tar and download code is not needed on the path of every run.
      const [{ downloadVerified }, { extractGoArchive }] = await Promise.all([import('./download.js'), import('./extract.js')]);
      const archive = path.join(work, file.filename);
      progress.start(`Downloading ${file.filename}`);
      await downloadVerified(choice.url, archive, { mirror, filename: file.filename, sha256: file.sha256, size: file.size, progress, signal });
      progress.update(`Unpacking ${file.filename}`);
      await fs.mkdir(goroot, { mode: 0o755 });
      await extractGoArchive(archive, goroot, signal);
      await fs.rm(archive, { force: true });
      const inside = await readVersionFile(goroot);
      if (compareGoVersions(inside, choice.version) !== 0) {
        throw new ToolchainError(`${file.filename} holds go${inside}, not go${choice.version}`, { hint: 'the mirror serves a mislabelled archive; use another mirror (GOBOX_GO_MIRROR)' });
      }
    },
  };
}
