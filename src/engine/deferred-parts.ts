/**
 * Parts of dockerode that load big dependencies at require time for features gobox rarely or
 * never uses: BuildKit sessions (gRPC and protobuf) and ssh:// engine hosts (ssh2). Together they
 * are most of dockerode's load time, which every in-process run pays before its first step.
 * Each is a function its parent calls only for that feature, so it is handed a stand-in that
 * loads the real module on first use: by load-dockerode.ts when dockerode loads unbundled, and by
 * scripts/bundle-deps.mjs, which reads this list, in the bundle the build makes of it.
 */
export const DEFERRED: readonly { request: string; parent: RegExp }[] = [
  { request: './session', parent: /[\\/]dockerode[\\/]lib[\\/]docker\.js$/ },
  { request: './ssh', parent: /[\\/]docker-modem[\\/]lib[\\/]modem\.js$/ },
];

type AnyFn = (...args: unknown[]) => unknown;

/** A function that is the module `load()` returns, loaded on the first call or property read. */
export function deferred(load: () => AnyFn): AnyFn {
  return new Proxy(function stand() {} as AnyFn, {
    apply: (_t, self, args: unknown[]) => Reflect.apply(load(), self, args),
    construct: (_t, args: unknown[]) => Reflect.construct(load(), args) as object,
    get: (_t, p) => Reflect.get(load(), p) as unknown,
  });
}
