// Replaces the output of gobox's process entries (the CLI, the shim entry, the daemon's two
// as-user helpers) with bundles of gobox's own code, split by esbuild into shared chunks in
// dist/chunks/, so a dynamic import still loads its code only when it runs. An in-process run
// loaded some 120 of gobox's modules one by one before its first step; Node resolving, reading
// and linking each was most of the time it spent there.
//
// What stays as it was:
// - tsc's output of every other module: tests and the bench import single modules from dist/,
//   and the bundles' import.meta.url sites name them (below);
// - npm packages, loaded from node_modules as before (`packages: 'external'`);
// - the four dependency bundles bundle-deps.mjs makes (yargs, zod, yaml, dockerode): imported
//   from their dist files, not bundled again, so their own fix-ups hold.
//
// import.meta.url: every output file (the four entries and the chunks) sits one directory below
// dist/, so `new URL('../X', import.meta.url)` in any of them is dist/X. Each module's
// import.meta.url becomes the URL its tsc output has (dist/daemon/jail-site.js, ...), wherever
// its code lands: paths it builds from there (the helper scripts, package.json, the forwarder's
// Go source, the shim entry, bin.js) are the paths the unbundled build uses.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRIES = ['cli/bin.ts', 'cli/shim-bin.ts', 'daemon/jail-as-user.ts', 'daemon/project-as-user.ts'];
/** Modules whose output is a dependency bundle: imported from there, never bundled again. */
const DEP_BUNDLES = ['cli/yargs.ts', 'common/zod.ts', 'common/yaml.ts', 'engine/load-dockerode.ts'];

const toJs = (rel) => rel.replace(/\.ts$/, '.js');

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
// Chunks are named by content: the last build's would pile up.
rmSync(path.join(dist, 'chunks'), { recursive: true, force: true });
const plugin = {
  name: 'gobox-app',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(src + path.sep)) return undefined;
      const rel = path.relative(src, path.resolve(args.resolveDir, args.path)).split(path.sep).join('/');
      const dep = DEP_BUNDLES.find((d) => toJs(d) === rel);
      return dep ? { path: `../${toJs(dep)}`, external: true } : undefined;
    });
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(src + path.sep)) return undefined;
      const rel = toJs(path.relative(src, args.path).split(path.sep).join('/'));
      const text = readFileSync(args.path, 'utf8');
      return { loader: 'ts', contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(`../${rel}`)}, import.meta.url).href`) };
    });
  },
};
const result = await build({
  entryPoints: ENTRIES.map((e) => path.join(src, e)),
  outbase: src,
  outdir: dist,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  allowOverwrite: true,
  metafile: true,
  logLevel: 'warning',
  plugins: [plugin],
});
// The import.meta.url rewrite above holds only if every output is one directory below dist/.
const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
const deep = outputs.filter((f) => path.relative(dist, path.resolve(root, f)).split(path.sep).length !== 2);
if (deep.length) throw new Error(`bundle-app: outputs not one directory below dist/: ${deep.join(', ')}`);
