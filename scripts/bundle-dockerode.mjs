// Replaces dist/engine/load-dockerode.js with one bundled file: dockerode, docker-modem and their
// dependencies (readable-stream, tar-fs, debug, ...), some fifty CommonJS modules that every
// in-process run found, read and compiled one by one before its first step. The parts
// src/engine/deferred-parts.ts names (BuildKit sessions, ssh:// hosts: gRPC, protobuf, ssh2) stay
// out of the bundle, as they stay unloaded unbundled: each is a stand-in that requires the
// installed module on first use, found from the installed dockerode as Node finds it.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `common` is bundle-deps.mjs's esbuild options, with a banner that defines __goboxRequireFromDockerode;
 * `emit(options)` builds the bundle (cached-bundles.mjs: CommonJS, with its code cache).
 */
export async function bundleDockerode(root, common, emit) {
  const dist = path.join(root, 'dist', 'engine');
  // tsc's output of deferred-parts.ts: the one list, read before its sibling is replaced.
  const { DEFERRED } = await import(pathToFileURL(path.join(dist, 'deferred-parts.js')).href);
  const deferredParts = path.join(root, 'src', 'engine', 'deferred-parts.ts');
  const found = new Set();
  const plugin = {
    name: 'gobox-deferred-parts',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === 'deferred') return undefined;
        const part = DEFERRED.find((d) => d.request === args.path && d.parent.test(args.importer));
        if (!part) return undefined;
        const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'deferred' });
        if (real.errors.length) return { errors: real.errors };
        // Its name as a package path ("docker-modem/lib/ssh.js"), resolved at run time from the
        // installed dockerode: npm may hoist docker-modem or nest it, the lookup finds either.
        const at = real.path.lastIndexOf(`${path.sep}node_modules${path.sep}`);
        if (at < 0) return { errors: [{ text: `deferred part ${args.path} of ${args.importer} is not in node_modules` }] };
        found.add(args.path);
        return { path: real.path.slice(at + 14).split(path.sep).join('/'), namespace: 'gobox-deferred' };
      });
      b.onLoad({ filter: /.*/, namespace: 'gobox-deferred' }, (args) => ({
        loader: 'js',
        resolveDir: root,
        contents: [
          `const { deferred } = require(${JSON.stringify(deferredParts)});`,
          'let real;',
          // __goboxRequireFromDockerode comes from the banner: a require relative to the installed dockerode.
          `module.exports = deferred(() => (real ??= __goboxRequireFromDockerode()(${JSON.stringify(args.path)})));`,
        ].join('\n'),
      }));
    },
  };
  await emit({
    ...common,
    stdin: { contents: "import Docker from 'dockerode';\nexport function loadDockerode() { return Docker; }\n", resolveDir: root, sourcefile: 'load-dockerode.bundle.js' },
    plugins: [plugin],
  });
  const missing = DEFERRED.filter((d) => !found.has(d.request)).map((d) => d.request);
  if (missing.length) throw new Error(`bundle-dockerode: no ${missing.join(', ')} found to defer; dockerode changed, update src/engine/deferred-parts.ts`);
}
