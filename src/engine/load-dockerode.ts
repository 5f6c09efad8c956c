import Module, { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { DEFERRED, deferred } from './deferred-parts.js';

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
type AnyFn = (...args: unknown[]) => unknown;

/**
 * Loads dockerode with the parts in deferred-parts.ts deferred; the loader hook is in place only
 * while it loads. `npm run build` replaces this module's output with one bundled file of dockerode
 * and its dependencies (scripts/bundle-deps.mjs), which defers the same parts its own way.
 */
export function loadDockerode(): typeof Docker {
  const mod = Module as unknown as { _load: Load };
  const original = mod._load;
  mod._load = function (request, parent, isMain) {
    if (!DEFERRED.some((d) => d.request === request && d.parent.test(parent?.filename ?? ''))) return original.call(this, request, parent, isMain);
    let real: AnyFn | undefined;
    return deferred(() => (real ??= original.call(this, request, parent, isMain) as AnyFn));
  };
  try {
    return createRequire(import.meta.url)('dockerode') as typeof Docker;
  } finally {
    mod._load = original;
  }
}
