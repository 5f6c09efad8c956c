// Copies the non-TypeScript files the code reads at run time from src/ into dist/, at the same
// relative place, so `new URL('./x', import.meta.url)` finds them both under vitest and after
// the build. Today that is the proxy-mode forwarder's Go source; its tests (*_test.go) and
// go.mod stay behind: gobox builds main.go alone.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

const isAsset = (name) => name.endsWith('.go') && !name.endsWith('_test.go');

for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !isAsset(entry.name)) continue;
  const rel = path.relative(src, path.join(entry.parentPath, entry.name));
  mkdirSync(path.join(dist, path.dirname(rel)), { recursive: true });
  copyFileSync(path.join(src, rel), path.join(dist, rel));
}
