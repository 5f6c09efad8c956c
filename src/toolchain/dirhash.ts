import { createHash } from 'node:crypto';

/** One file of a tree: its path relative to the tree's root ("bin/go") and its content's sha256 (hex). */
export interface HashedFile {
  path: string;
  sha256: string;
}

/**
 * Go's "h1:" directory hash (golang.org/x/mod/sumdb/dirhash.Hash1), the form go.sum uses:
 * base64 of the sha256 of one line "<sha256 hex>  <path>\n" per file, the lines sorted by path
 * in byte order (Go's slices.Sort on strings, not JavaScript's UTF-16 order). Paths use "/" and
 * have no prefix, so for a toolchain it equals dirhash.HashDir(GOROOT, "", dirhash.Hash1).
 */
export function hash1(files: readonly HashedFile[]): string {
  const sorted = inByteOrder(files) ? files : [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8')));
  const h = createHash('sha256');
  const lines: string[] = [];
  for (const f of sorted) {
    if (f.path.includes('\n')) throw new Error(`dirhash: a file name with a newline is not supported: ${JSON.stringify(f.path)}`);
    lines.push(f.sha256, '  ', f.path, '\n');
  }
  return `h1:${h.update(lines.join('')).digest('base64')}`;
}

/** True when the paths are ASCII and already sorted (manifests are written so): no re-sort on every mount. */
function inByteOrder(files: readonly HashedFile[]): boolean {
  for (let i = 0; i < files.length; i++) {
    const p = files[i]!.path;
    // For ASCII, UTF-16 order is byte order; anything else takes the exact (slower) sort.
    for (let j = 0; j < p.length; j++) if (p.charCodeAt(j) > 0x7f) return false;
    if (i > 0 && !(files[i - 1]!.path < p)) return false;
  }
  return true;
}
