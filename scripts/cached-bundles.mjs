// One dependency bundle with its V8 code cache (src/common/cached-bundle.ts says why): esbuild
// writes dist/deps/NAME.cjs, the bundle is run once here and V8's cache of it written beside it,
// and the tsc output of the module that stood for the dependency (dist/common/zod.js, ...) is
// replaced by a small ES module that loads the bundle and re-exports the names gobox uses.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `options`: esbuild options (entry, plugins, banner) without format and outfile; `facade`: the
 * dist file to replace, relative to dist/; `names`: what it exports.
 */
export async function cachedBundle(root, { name, options, facade, names }) {
  const dist = path.join(root, 'dist');
  const bundle = path.join(dist, 'deps', `${name}.cjs`);
  mkdirSync(path.dirname(bundle), { recursive: true });
  await build({ ...options, format: 'cjs', outfile: bundle });
  const { cacheFileFor, loadCachedBundle } = await import(pathToFileURL(path.join(dist, 'common', 'cached-bundle.js')).href);
  // An older build's cache must not be what this run is measured against, nor be kept.
  rmSync(cacheFileFor(bundle), { force: true });
  const { exports, script } = loadCachedBundle(bundle);
  const missing = names.filter((n) => !(n in exports));
  if (missing.length) throw new Error(`cached-bundles: the ${name} bundle does not export ${missing.join(', ')}`);
  writeFileSync(cacheFileFor(bundle), script.createCachedData());

  const facadeFile = path.join(dist, facade);
  const rel = (to) => {
    const r = path.relative(path.dirname(facadeFile), to).split(path.sep).join('/');
    return r.startsWith('.') ? r : `./${r}`;
  };
  writeFileSync(facadeFile, [
    `// Written by scripts/cached-bundles.mjs: ${name}, from its bundle and the build's code cache.`,
    "import { fileURLToPath } from 'node:url';",
    `import { loadCachedBundle } from ${JSON.stringify(rel(path.join(dist, 'common', 'cached-bundle.js')))};`,
    `const m = loadCachedBundle(fileURLToPath(new URL(${JSON.stringify(rel(bundle))}, import.meta.url))).exports;`,
    ...names.map((n) => `export const ${n} = m.${n};`),
    '',
  ].join('\n'));
}
