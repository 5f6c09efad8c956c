// Replaces four modules' output, re-exports or loaders of a dependency as tsc wrote them, with one
// bundled file each: dist/cli/yargs.js (yargs and its dependencies; src/cli/yargs.ts says why),
// dist/common/zod.js (zod; src/common/zod.ts), dist/common/yaml.js (yaml; src/common/yaml.ts)
// and dist/engine/load-dockerode.js (dockerode and its dependencies, with the parts
// src/engine/deferred-parts.ts names left out and loaded on first use, as unbundled; see
// scripts/bundle-dockerode.mjs). yargs's own locale files stay where npm put them:
// its message catalogue is found next to the installed yargs at run time, as unbundled, so
// `gobox --help` under LANG=de_DE is as German as before.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDockerode } from './bundle-dockerode.mjs';
import { cachedBundle } from './cached-bundles.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outfile = path.join(root, 'dist', 'cli', 'yargs.js');
const common = { allowOverwrite: true, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' };

// zod, yaml and dockerode are loaded before an in-process run's first step: each is one
// CommonJS bundle with V8's code cache beside it (cached-bundles.mjs), minified so V8 has less
// text to scan when it compiles anyway (zod: 755 KB to 193 KB). Their stack frames are not
// gobox's to debug. yargs stays an ES module and readable: its text is patched below.
const minified = { ...common, minify: true };
// zod's classic namespace carries every message locale (some 50 modules); gobox speaks English
// only and never calls z.config(z.locales.X()), so z.locales keeps just `en`, the default.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({ contents: 'export { default as en } from "./en.js";', resolveDir: path.dirname(args.path), loader: 'js' }));
  },
};
const depSource = (rel) => [path.join(root, 'src', ...rel.split('/'))];
await cachedBundle(root, { name: 'zod', facade: 'common/zod.js', names: ['z'], options: { ...minified, entryPoints: depSource('common/zod.ts'), plugins: [zodEnglishOnly] } });
// In the CommonJS wrapper `require` is node's, for the bundle's file. The deferred parts of
// dockerode (bundle-dockerode.mjs) load from the installed dockerode; in the banner, because
// esbuild would take a require.resolve in the bundle's own code for one of its modules.
const requireBanner = "const __goboxRequireFromDockerode = () => require('node:module').createRequire(require.resolve('dockerode'));";
await cachedBundle(root, { name: 'yaml', facade: 'common/yaml.js', names: ['parse', 'stringify', 'YAMLParseError'], options: { ...minified, entryPoints: depSource('common/yaml.ts') } });
await bundleDockerode(root, { ...minified, banner: { js: requireBanner } }, (options) => cachedBundle(root, { name: 'dockerode', facade: 'engine/load-dockerode.js', names: ['loadDockerode'], options }));

await build({
  ...common,
  entryPoints: [path.join(root, 'src', 'cli', 'yargs.ts')],
  outfile,
  banner: {
    js: [
      "import { fileURLToPath as __goboxFileURLToPath } from 'node:url';",
      // The first Intl.Segmenter loads ICU's break data (about 8 ms); string-width makes one at
      // load time, but only help output measures strings. Made on first use instead.
      'const __goboxLazySegmenter = () => { let s; return { segment: (text) => (s ??= new Intl.Segmenter()).segment(text) }; };',
    ].join('\n'),
  },
});

// yargs (lib/platform-shims/esm.mjs) looks for its locales three levels up from its own file:
// from the bundle that would be outside gobox. Point it at the installed yargs instead, and
// fall back to yargs's built-in English when there is none to find.
const WANT = '"../../../locales"';
const text = readFileSync(outfile, 'utf8');
const count = text.split(WANT).length - 1;
if (count !== 1) {
  throw new Error(`bundle-deps: expected yargs's locales path ${WANT} once in the bundle, found it ${count} times; yargs changed, update scripts/bundle-deps.mjs`);
}
const located = '(() => { try { return __goboxFileURLToPath(new URL("locales/", import.meta.resolve("yargs"))); } catch { return "locales"; } })()';
// string-width (three copies, of its versions) calls nothing but .segment() on its segmenter.
const SEGMENTER = /= new Intl\.Segmenter\(\);/g;
const segmenters = text.match(SEGMENTER)?.length ?? 0;
const uses = text.match(/\bsegmenter\d*\.(\w+)/g) ?? [];
if (segmenters < 1 || uses.some((u) => !u.endsWith('.segment'))) {
  throw new Error(`bundle-deps: string-width's segmenter changed (${segmenters} made; used as ${[...new Set(uses)].join(', ')}); update scripts/bundle-deps.mjs`);
}
writeFileSync(outfile, text.replace(WANT, located).replace(SEGMENTER, '= __goboxLazySegmenter();'));
