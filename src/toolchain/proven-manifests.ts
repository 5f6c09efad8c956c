import { lstatSync, type Stats } from 'node:fs';
import { digestOfEntries, manifestPath, readManifest, type Manifest } from './manifest.js';

/**
 * Manifests this process has read and proven (its entries hash to the digest it records), kept
 * by the manifest file's own stat: device, inode, size, mtime and ctime. Reading, validating and
 * hashing a 17,000-entry manifest is most of the check before a mount; a long-lived process
 * (the user's agent, the daemon) does it once per manifest version. Any rewrite of the file
 * (writeManifest renames a new one in: another inode; an edit in place: another ctime, which
 * user space cannot set back) gives another key, so a changed manifest is read and proven again.
 */
const proven = new Map<string, { key: string; manifest: Manifest }>();

/** Enough to hold every toolchain a host keeps; past it the oldest is forgotten. */
const MAX = 32;

function keyOf(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

function statOf(file: string): Stats | undefined {
  try {
    return lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

export type ProvenManifest = { manifest: Manifest } | { manifest: undefined } | { mismatch: Manifest };

/**
 * The toolchain's manifest when its entries still hash to its digest ({ mismatch } when not),
 * or none recorded. Only a manifest whose file had the same stat before and after it was read
 * is kept, so one replaced mid-read is read again next time.
 */
export async function provenManifest(storeRoot: string, name: string): Promise<ProvenManifest> {
  const file = manifestPath(storeRoot, name);
  const before = statOf(file);
  const hit = before && proven.get(file);
  if (hit && hit.key === keyOf(before)) return { manifest: hit.manifest };
  const manifest = await readManifest(storeRoot, name);
  if (!manifest) return { manifest: undefined };
  if (digestOfEntries(manifest.entries) !== manifest.digest) return { mismatch: manifest };
  const after = statOf(file);
  if (before && after && keyOf(before) === keyOf(after)) {
    proven.delete(file);
    proven.set(file, { key: keyOf(after), manifest });
    if (proven.size > MAX) proven.delete(proven.keys().next().value!);
  }
  return { manifest };
}
