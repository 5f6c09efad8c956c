import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EXIT, GoboxError, ToolchainError } from '../common/errors.js';
import { withLock } from '../common/lock-file.js';
import type { Progress } from '../common/progress.js';
import { makeTempDir, removeTree, tempName } from '../common/temp.js';
import { normalizeModes } from './copy-tree.js';
import { buildManifest, stampRoot, writeManifest, type ManifestSource } from './manifest.js';
import { verifyGoroot } from './verify.js';
import { toolchainName } from './version.js';

export interface PlaceRequest {
  root: string;
  version: string;
  /** "install", "import" or "repair": names temp dirs and messages. */
  purpose: string;
  source: ManifestSource;
  progress: Progress;
  signal?: AbortSignal | undefined;
  /** Builds the GOROOT at goroot (work is a scratch dir beside it, same filesystem). */
  build: (goroot: string, work: string) => Promise<void>;
  /** Replace an existing copy (repair) instead of keeping it. */
  replace?: boolean;
  /** Called under the lock before building: the existing copy's path when one is kept. */
  existing: () => Promise<boolean>;
}

export type Placed = { placed: true; digest: string } | { placed: false };

/**
 * The one way into the store: build the GOROOT in a temp dir, check `go version` against its
 * VERSION, make it read-only for group and other, hash it into a manifest, rename it into place,
 * then write the manifest (its root stamp is taken after the rename, which changes the root's
 * ctime). Under a per-version lock so a concurrent install waits instead of downloading again;
 * if two still race (a broken stale lock), rename() lets exactly one win.
 *
 * A repair builds the same way, then swaps: the old tree is renamed aside (a ".tmp-" name the
 * next store operation removes if this process dies), the new one renamed in, and only then is
 * the old one deleted. Between the two renames the version is briefly absent, never half-made.
 */
export async function placeToolchain(r: PlaceRequest, onWait: (pid: string) => void): Promise<Placed> {
  const name = toolchainName(r.version);
  const final = path.join(r.root, name);
  return cancellable(`${r.purpose} of ${name}`, r.signal, () =>
    withLock(r.root, name, async () => {
      if (!r.replace && (await r.existing())) return { placed: false } as const;
      const work = await makeTempDir(r.root, r.purpose, name);
      try {
        const goroot = path.join(work, 'goroot');
        await r.build(goroot, work);
        r.progress.update(`Verifying ${name}`);
        await verifyGoroot(goroot, r.version);
        await normalizeModes(goroot);
        r.progress.update(`Recording the manifest of ${name}`);
        const manifest = await buildManifest(goroot, r.version, r.source);
        const aside = path.join(r.root, tempName(`${r.purpose}-old`, name));
        if (r.replace) await fs.rename(final, aside).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
        try {
          await fs.rename(goroot, final);
        } catch (e) {
          if (r.replace) await fs.rename(aside, final).catch(() => {});
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOTEMPTY' || code === 'EEXIST') return { placed: false } as const;
          throw e;
        }
        try {
          await writeManifest(r.root, name, await stampRoot(manifest, final));
        } catch (e) {
          // No copy without its manifest: take this one out again.
          await fs.rename(final, path.join(work, 'unrecorded')).catch(() => {});
          if (r.replace) await fs.rename(aside, final).catch(() => {});
          throw e;
        }
        if (r.replace) await removeTree(aside).catch(() => {});
        return { placed: true, digest: manifest.digest } as const;
      } catch (e) {
        throw e instanceof GoboxError || r.signal?.aborted ? e : storeError(e, `cannot ${r.purpose} ${name}`);
      } finally {
        await removeTree(work).catch(() => {});
      }
    }, { signal: r.signal, onWait }).catch((e: unknown) => {
      // The lock itself failed (e.g. EACCES creating it in a root-owned store, EROFS).
      throw e instanceof GoboxError || r.signal?.aborted ? e : storeError(e, `cannot ${r.purpose} ${name}`);
    }),
  );
}

/** Turns an abort into a ToolchainError with the interrupted exit code; other errors pass through. */
export async function cancellable<T>(what: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (signal?.aborted && !(e instanceof GoboxError)) {
      throw new ToolchainError(`${what} was cancelled`, { hint: 'nothing was installed; run it again to finish', exitCode: EXIT.interrupted, cause: e });
    }
    throw e;
  }
}

/** An fs failure in the store, most often EACCES on a root-owned /var/lib/gobox, or EROFS. */
export function storeError(e: unknown, what: string): ToolchainError {
  const err = e as NodeJS.ErrnoException;
  const hint = err.code === 'EACCES' || err.code === 'EPERM'
    ? 'the shared store is writable only by root and the gobox daemon; run as root, or set GOBOX_STATE_DIR to a store of your own'
    : err.code === 'EROFS'
      ? 'the toolchain store is on a read-only filesystem; remount it read-write, or set GOBOX_STATE_DIR to a writable store'
      : 'check the disk and the permissions of the toolchain store';
  const why = err.code === 'EROFS' ? 'read-only filesystem' : err.code ?? err.message;
  return new ToolchainError(`${what}: ${why}${err.path ? ` (${err.path})` : ''}`, { hint, cause: e });
}
