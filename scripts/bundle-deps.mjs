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

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outfile = path.join(root, 'dist', 'cli', 'yargs.js');
const common = { allowOverwrite: true, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' };

await build({ ...common, entryPoints: [path.join(root, 'src', 'common', 'zod.ts')], outfile: path.join(root, 'dist', 'common', 'zod.js') });
// yaml is CommonJS: its require() of node built-ins needs a require in the ES module.
const requireBanner = "import { createRequire as __goboxCreateRequire } from 'node:module';\nconst require = __goboxCreateRequire(import.meta.url);";
await build({ ...common, entryPoints: [path.join(root, 'src', 'common', 'yaml.ts')], outfile: path.join(root, 'dist', 'common', 'yaml.js'), banner: { js: requireBanner } });
await bundleDockerode(root, { ...common, banner: { js: requireBanner } });

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
