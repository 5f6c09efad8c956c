import path from 'node:path';
import { hash1 } from '../../toolchain/dirhash.js';
import { readManifest, sha256File, walkTree } from '../../toolchain/manifest.js';

/**
 * The toolchain's dirhash h1: (its regular files, paths relative to the GOROOT), as the store's
 * manifest records it. The run's mount check (toolchain/mount-check.ts) has just found every
 * entry's stamp as the manifest says, so the tree mounted is the tree that digest names; hashing
 * its ~250 MB again would cost a CPU-bound build a core for seconds. A toolchain installed before
 * manifests existed is hashed here, the same way.
 */
export async function toolchainDigest(goroot: string): Promise<string> {
  const m = await readManifest(path.dirname(goroot), path.basename(goroot)).catch(() => undefined);
  if (m) return m.digest;
  const files: { path: string; sha256: string }[] = [];
  for (const [rel, st] of await walkTree(goroot)) if (st.isFile()) files.push({ path: rel, sha256: await sha256File(path.join(goroot, rel)) });
  return hash1(files);
}
