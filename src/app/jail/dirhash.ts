import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { hash1 as goHash1 } from '../../toolchain/dirhash.js';
import { sha256File } from '../../toolchain/manifest.js';

/**
 * Go's dirhash "h1:" over files named as this module names them; the one implementation is
 * toolchain/dirhash.ts (manifests use it too), so a toolchain tree, a source tree and a module
 * are named one way.
 */
export function hash1(files: { name: string; sha256: string }[]): string {
  return goHash1(files.map((f) => ({ path: f.name, sha256: f.sha256 })));
}

export { sha256File };

/**
 * The h1: of a directory tree: regular files by their bytes, symlinks by their target (never
 * followed). `prefix` leads every name as in Go's HashDir; `skip` names relative paths (dirs)
 * left out, such as .git or the out dir inside a source tree.
 */
export async function hashDir(root: string, prefix: string, skip: string[] = []): Promise<string> {
  const files: { name: string; sha256: string }[] = [];
  const skipped = new Set(skip.map((s) => s.replace(/\/+$/, '')));
  async function walk(rel: string): Promise<void> {
    const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skipped.has(r)) continue;
      const full = path.join(root, r);
      if (e.isDirectory()) await walk(r);
      else if (e.isSymbolicLink()) files.push({ name: `${prefix}/${r}`, sha256: createHash('sha256').update(`symlink:${await fs.readlink(full)}`).digest('hex') });
      else if (e.isFile()) files.push({ name: `${prefix}/${r}`, sha256: await sha256File(full) });
    }
  }
  await walk('');
  return hash1(files);
}
