/** Where each value in the sandbox environment came from, for `gobox env` and --verbose. */
export interface EnvValue {
  value: string;
  source: string;
}
export type EnvWithSources = Record<string, EnvValue>;

/**
 * The Go settings that may enter a sandbox, from a profile, the host or the caller; anything else
 * is refused (config) or dropped (spec.ts), so the allowlist stays small. Owned here, below config.
 */
export const GO_ENV_KEYS = [
  'GOPROXY', 'GOSUMDB', 'GOPRIVATE', 'GONOSUMDB', 'GONOPROXY', 'GOINSECURE', 'GOFLAGS', 'GOAUTH',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'CGO_ENABLED', 'GOAMD64', 'GOARM64', 'GOEXPERIMENT',
] as const;

export const SANDBOX_PATHS = {
  goroot: '/usr/local/go',
  home: '/home/gobox',
  tmp: '/tmp',
  cache: '/gobox/cache',
  caBundle: '/etc/gobox/ca-bundle.pem',
  out: '/out',
} as const;

export const BASE_PATH = `${SANDBOX_PATHS.goroot}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

/**
 * The fixed part of every sandbox's environment. GOROOT is deliberately NOT exported:
 * `go` finds its own root from its binary, and a GOROOT that disagrees with the running
 * `go` breaks builds in confusing ways. Putting the toolchain's bin first on PATH is enough.
 * GOTOOLCHAIN=local stops `go` from downloading another toolchain behind the user's back.
 */
export function fixedEnv(opts: { caBundle: boolean; tty: boolean; term?: string }): EnvWithSources {
  const src = 'gobox';
  const env: EnvWithSources = {
    PATH: { value: BASE_PATH, source: src },
    HOME: { value: SANDBOX_PATHS.home, source: src },
    TMPDIR: { value: SANDBOX_PATHS.tmp, source: src },
    GOTMPDIR: { value: SANDBOX_PATHS.tmp, source: src },
    GOTOOLCHAIN: { value: 'local', source: src },
    GOPATH: { value: `${SANDBOX_PATHS.home}/go`, source: src },
    GOCACHE: { value: `${SANDBOX_PATHS.cache}/build`, source: src },
    GOMODCACHE: { value: `${SANDBOX_PATHS.cache}/mod`, source: src },
    LANG: { value: 'C.UTF-8', source: src },
  };
  if (opts.caBundle) {
    // Go reads SSL_CERT_FILE (there is no GOCERTFILE); git, used by `direct` fetches, reads GIT_SSL_CAINFO.
    env.SSL_CERT_FILE = { value: SANDBOX_PATHS.caBundle, source: src };
    env.GIT_SSL_CAINFO = { value: SANDBOX_PATHS.caBundle, source: src };
  }
  if (opts.tty) env.TERM = { value: opts.term || 'xterm', source: 'caller' };
  return env;
}

export function plainEnv(env: EnvWithSources): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.value]));
}
