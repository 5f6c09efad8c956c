import Module, { createRequire } from 'node:module';
import type Docker from 'dockerode';

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
type AnyFn = (...args: unknown[]) => unknown;

/**
 * Parts of dockerode that load big dependencies at require time for features gobox rarely or
 * never uses: BuildKit sessions (gRPC and protobuf) and ssh:// engine hosts (ssh2). Together they
 * are most of dockerode's load time, which every in-process run pays before its first step.
 * Each is a function its parent calls only for that feature, so it is handed a stand-in that
 * loads the real module on first use.
 */
const DEFERRED: { request: string; parent: RegExp }[] = [
  { request: './session', parent: /[\\/]dockerode[\\/]lib[\\/]docker\.js$/ },
  { request: './ssh', parent: /[\\/]docker-modem[\\/]lib[\\/]modem\.js$/ },
];

/** A function that is the module `load()` returns, loaded on the first call or property read. */
function deferred(load: () => AnyFn): AnyFn {
  return new Proxy(function stand() {} as AnyFn, {
    apply: (_t, self, args: unknown[]) => Reflect.apply(load(), self, args),
    construct: (_t, args: unknown[]) => Reflect.construct(load(), args) as object,
    get: (_t, p) => Reflect.get(load(), p) as unknown,
  });
}

/** Loads dockerode with the parts above deferred; the loader hook is in place only while it loads. */
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
