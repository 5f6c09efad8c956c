import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/**
 * Loads one of the dependency bundles `npm run build` makes (dist/deps/NAME.cjs: zod, yaml,
 * dockerode; scripts/cached-bundles.mjs) with V8's code cache that the build wrote beside it.
 * Every in-process run loads these three before its first step, and compiling them was most of
 * that time: with the cache V8 deserialises the code instead (zod: about 13 ms to 6 ms).
 *
 * Node 20 keeps no compile cache for ES modules, so the bundles are CommonJS, run in a wrapper
 * like the one Node's own loader uses. The cache is made at build time, in dist/, by whoever
 * built gobox: as trusted as the code beside it, never written at run time to a place another
 * user could fill first. A cache V8 does not accept (another Node, other V8 flags) is ignored and
 * the source compiled as usual.
 */
export const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) {';
export const WRAP_TAIL = '\n})';

/** Where the build keeps a bundle's code cache. */
export function cacheFileFor(bundle: string): string {
  return bundle.replace(/\.cjs$/, '.v8cache');
}

type Wrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

export interface LoadedBundle {
  exports: Record<string, unknown>;
  /** The compiled script: the build makes the cache from it once the bundle has run. */
  script: vm.Script;
  /** True when V8 took the cache (false: none, or rejected). */
  cacheUsed: boolean;
}

export function loadCachedBundle(bundle: string): LoadedBundle {
  const source = readFileSync(bundle, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFileFor(bundle));
  } catch {
    // no cache: compiled from source
  }
  const script = new vm.Script(WRAP_HEAD + source + WRAP_TAIL, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as Wrapper)(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  return { exports: module.exports, script, cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}
