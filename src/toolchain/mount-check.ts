import { lstatSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ToolchainError } from '../common/errors.js';
import { MANIFEST_DIR, manifestPath, type Manifest, type ManifestEntry } from './manifest.js';
import { armWatches, stillUnchanged } from './mount-watch.js';
import { provenManifest } from './proven-manifests.js';
import { entryFindings, storePathFindings, trustedOwners } from './trust.js';

/** Entries stat'ed per turn of the event loop, so a daemon serving others is never stalled long. */
const BATCH = 2000;

export type MountCheck = { manifest: true } | { manifest: false };

let fullPasses = 0;
/** Full stat passes this process made (tests: a check the watches answered makes none). */
export function fullPassCount(): number {
  return fullPasses;
}

/**
 * The check before every mount: a stat of each entry the manifest lists, never a re-hash.
 * Any write, chmod, chown, rename, or added or removed entry changes the ctime or mtime of
 * the entry or of its directory (and ctime cannot be set from user space), and a replaced
 * entry has another inode; so a tree whose stamps all match is the tree that was hashed at
 * install. The manifest itself must still hash to the digest it records. The full re-hash is
 * `gobox toolchain verify` (and the daemon's, at start and on SIGHUP). A long-lived process
 * proves a manifest once per version of its file (proven-manifests.ts), and, once it opted in,
 * skips the stats of a tree whose watches stayed quiet since its last full pass (mount-watch.ts);
 * the store's path, the manifest and the GOROOT dir itself are checked on every call.
 *
 * Throws one line naming the first difference. A toolchain installed before manifests
 * existed passes with { manifest: false }: refusing it would break every run on an upgrade.
 */
export async function checkBeforeMount(goroot: string, version: string): Promise<MountCheck> {
  const storeRoot = path.dirname(goroot);
  const name = path.basename(goroot);
  const refuse = (why: string) =>
    new ToolchainError(`${name} in ${storeRoot} changed since it was installed (${why}); refusing to mount it`, {
      hint: `see gobox toolchain verify ${version}; restore it with gobox toolchain verify --repair ${version}`,
    });
  const read = await provenManifest(storeRoot, name);
  if ('mismatch' in read) throw refuse(`its manifest does not match the digest ${read.mismatch.digest} it records`);
  const m = read.manifest;
  if (!m) return { manifest: false };
  const owners = await trustedOwners(storeRoot);
  // The manifest and its dir count as part of the store's path: whoever may write them may bless a changed tree.
  const manifestEntries = [path.join(storeRoot, MANIFEST_DIR), manifestPath(storeRoot, name)].flatMap((p) => {
    const st = stat(p);
    if (st?.isSymbolicLink()) return [{ detail: `${p} is a symlink` }];
    return st ? entryFindings(p, st, undefined, owners).map((f) => ({ ...f, detail: `${p} is ${f.detail}` })) : [];
  });
  const unsafe = [...(await storePathFindings(storeRoot, owners)), ...manifestEntries][0];
  if (unsafe) {
    throw new ToolchainError(`the toolchain store is not safe to mount from: ${unsafe.detail}; refusing to mount ${name}`, {
      hint: 'only root (or the store\'s owner) may be able to change the store and the dirs above it',
    });
  }
  const root = stat(goroot);
  const rootWhy = rootDiffers(m, root);
  if (rootWhy) throw refuse(rootWhy);
  if (await stillUnchanged(goroot, m, root!)) return { manifest: true };
  // Armed before the pass: a change after this either fails the pass or fires a watch.
  const dirs = [storeRoot, path.join(storeRoot, MANIFEST_DIR), goroot];
  for (const e of m.entries) if (e[0] === 'd') dirs.push(`${goroot}/${e[1]}`);
  const arming = await armWatches(goroot, m, dirs);
  fullPasses++;
  try {
    // Again, now that its watch is armed: the proof is for the dir the watches are on.
    const again = stat(goroot);
    const why = rootDiffers(m, again);
    if (why) throw refuse(why);
    if (again!.dev !== root!.dev || again!.ino !== root!.ino) throw refuse('the GOROOT dir was replaced');
    for (let i = 0; i < m.entries.length; i += BATCH) {
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      for (const e of m.entries.slice(i, i + BATCH)) {
        const why = differs(e, stat(`${goroot}/${e[1]}`));
        if (why) throw refuse(`${e[1]}: ${why}`);
      }
    }
  } catch (e) {
    arming.failed();
    throw e;
  }
  arming.passed(root!);
  return { manifest: true };
}

function stat(p: string): Stats | undefined {
  try {
    return lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function rootDiffers(m: Manifest, root: Stats | undefined): string | undefined {
  if (!root?.isDirectory() || root.ino !== m.root.ino || root.mtimeMs !== m.root.mtimeMs) return 'the GOROOT dir was replaced, or entries were added or removed at its top';
  if (root.uid !== m.root.uid || (root.mode & 0o7777) !== m.root.mode) return 'the GOROOT dir\'s owner or mode changed';
  return undefined;
}

function differs(e: ManifestEntry, st: Stats | undefined): string | undefined {
  const [type, , mode, size, uid, gid, ino, mtimeMs, ctimeMs] = e;
  if (!st) return 'missing';
  const now = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : '?';
  if (now !== type) return 'replaced by another kind of entry';
  if (st.ino !== ino) return 'replaced';
  if ((st.mode & 0o7777) !== mode) return 'mode changed';
  if (st.uid !== uid || st.gid !== gid) return 'owner changed';
  if (type !== 'd' && st.size !== size) return 'content changed';
  if (st.mtimeMs !== mtimeMs) return type === 'd' ? 'entries added or removed' : 'modified';
  if (st.ctimeMs !== ctimeMs) return type === 'd' ? 'entries added, removed or changed' : 'modified or its metadata changed';
  return undefined;
}
