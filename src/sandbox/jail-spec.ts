import { LABEL } from '../common/labels.js';
import { BASE_PATH, SANDBOX_PATHS } from './env.js';
import { buildSandboxSpec, type SandboxInputs } from './spec.js';
import type { SandboxMount, SandboxSpec } from './types.js';

/**
 * The reproducible-build jail (issue 11). `jail: true` forces all of this, whatever the profile
 * file or the caller's environment says: the environment is fixed here, not merged, so two
 * builds of one source on two hosts see the same Go settings.
 */
export const JAIL_BUILD_CACHE = `${SANDBOX_PATHS.tmp}/gocache`;

/** Without a VCS commit time, SOURCE_DATE_EPOCH is this fixed value (the Unix epoch). */
export const JAIL_DEFAULT_EPOCH = 0;

export function jailEnv(sourceDateEpoch: number, cToolchain?: string): Record<string, string> {
  return {
    PATH: BASE_PATH,
    HOME: SANDBOX_PATHS.home,
    TMPDIR: SANDBOX_PATHS.tmp,
    GOTMPDIR: SANDBOX_PATHS.tmp,
    GOPATH: `${SANDBOX_PATHS.home}/go`,
    // A fresh, empty build cache on the container's own tmpfs: a release build trusts no cache another build wrote.
    GOCACHE: JAIL_BUILD_CACHE,
    // The user's module cache, mounted read-only: filled by `gobox jail fetch`, checked against go.sum.
    GOMODCACHE: `${SANDBOX_PATHS.cache}/mod`,
    GOTOOLCHAIN: 'local',
    GOFLAGS: '-mod=readonly -trimpath',
    GOPROXY: 'off',
    // go.sum is the only trust root offline: a module missing from it is an error, never a lookup.
    GOSUMDB: 'off',
    GOENV: 'off',
    // cgo only with the C toolchain the profile pins, which provenance then names (build.ts).
    ...(cToolchain ? { CGO_ENABLED: '1', CC: cToolchain } : { CGO_ENABLED: '0' }),
    SOURCE_DATE_EPOCH: String(sourceDateEpoch),
    LANG: 'C.UTF-8',
    // The project may belong to another uid than the sandbox's (root's rebuild as a test user):
    // git must still answer Go's VCS stamping, or -buildvcs would fail instead of recording.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'safe.directory',
    GIT_CONFIG_VALUE_0: '*',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

/** What provenance records as the jail contract (internalParameters.jail). */
export function jailContract(sourceDateEpoch: number, cToolchain?: string): Record<string, unknown> {
  return {
    network: 'none',
    sourceReadOnly: true,
    moduleCacheReadOnly: true,
    freshBuildCache: true,
    trimpath: true,
    cgo: cToolchain ? { compiler: cToolchain } : false,
    env: jailEnv(sourceDateEpoch, cToolchain),
  };
}

/**
 * The script the jail runs: Go's effective settings and the go.sum check land in /out/meta,
 * binaries in /out/bin. Arguments come as "$@", never through the shell's parser.
 */
export const JAIL_BUILD_SCRIPT = [
  'set -e',
  'mkdir -p /out/bin /out/meta',
  'go env -json > /out/meta/go-env.json',
  'if [ -f go.sum ]; then go mod verify > /out/meta/verify.txt; fi',
  'exec go build -trimpath -o /out/bin/ "$@"',
].join('\n');

/**
 * With a pinned C toolchain, the compiler's identity lands in /out/meta first: its --version line
 * and the Debian package versions of it and of libc6-dev (the headers and libc it links with).
 */
export const JAIL_CC_SCRIPT = [
  'command -v "$CC" >/dev/null 2>&1 || { echo "gobox: the profile pins the C toolchain $CC, and the image does not carry it" >&2; exit 125; }',
  'mkdir -p /out/meta',
  '"$CC" --version | head -n 1 > /out/meta/cc-version.txt',
  'dpkg-query -W -f \'${Package} ${Version}\\n\' "$CC" libc6-dev > /out/meta/cc-packages.txt 2>/dev/null || true',
].join('\n');

export interface JailSpecOptions {
  sourceDateEpoch: number;
  /** The host dir mounted at /out (a fresh staging dir inside the user's out dir). */
  outDir: string;
  /** The command; by default the build script with these go build arguments. */
  command?: string[];
  buildArgs?: string[];
  /** Host dirs inside the project hidden behind an empty read-only tmpfs (the out dir). */
  hide?: string[];
  /**
   * verify's rebuild: the container runs as another uid than the build's owner, and its module
   * cache is a copy made for it (moduleCopySpec), mounted read-only where the owner's would be.
   * The owner's cache volume is not mounted: its root is the owner's alone (0700).
   */
  rebuild?: { runAs: { uid: number; gid: number }; moduleCopy: string };
}

/** Where the module copy for a rebuild is written (moduleCopySpec). */
export const MODULE_COPY_TARGET = '/gobox/module-copy';

/**
 * The rebuild's first step, as the owner: every module go.sum names, taken from the owner's
 * module cache (read-only, as a file proxy: no network) into a fresh module cache that the
 * rebuild's uid can read. Go checks each against go.sum on the way, as a fetch does.
 */
export const MODULE_COPY_SCRIPT = [
  'set -e',
  `GOMODCACHE=${MODULE_COPY_TARGET} GOPROXY=file://${SANDBOX_PATHS.cache}/mod/cache/download go mod download`,
  // Go leaves the files 0444 and the dirs 0555; the download cache's are the owner's umask's.
  `chmod -R a+rX ${MODULE_COPY_TARGET}`,
].join('\n');

/** A jail container: the user's sandbox contract, then the jail's own on top of it. */
export function buildJailSpec(i: SandboxInputs, o: JailSpecOptions): SandboxSpec {
  const runAs = o.rebuild?.runAs ?? i.user;
  const base = buildSandboxSpec({ ...i, user: runAs, profile: { ...i.profile, jail: true }, outDir: o.outDir, caBundle: undefined, tty: false });
  const isCache = (m: SandboxMount) => m.target === SANDBOX_PATHS.cache && m.kind !== 'tmpfs';
  const mounts: SandboxMount[] = base.mounts
    // No network, so no CA bundle; the module cache is read, never written.
    .filter((m) => !(m.kind === 'bind' && m.target === SANDBOX_PATHS.caBundle))
    .filter((m) => !(o.rebuild && isCache(m)))
    .map((m) => (isCache(m) ? { ...m, readonly: true } : m.kind === 'bind' && m.target === i.project.root ? { ...m, readonly: true } : m));
  if (o.rebuild) {
    mounts.push({ kind: 'bind', source: o.rebuild.moduleCopy, target: `${SANDBOX_PATHS.cache}/mod`, readonly: true });
  } else {
    // The user's own build cache sits in the same volume: hidden, so a jail sees no cache of theirs
    // (the volume helper makes build/ at creation, so the mount point is there).
    mounts.push({ kind: 'tmpfs', target: `${SANDBOX_PATHS.cache}/build`, sizeBytes: 4096, mode: '0555' });
  }
  for (const dir of o.hide ?? []) mounts.push({ kind: 'tmpfs', target: dir, sizeBytes: 4096, mode: '0555' });
  return {
    ...base,
    // Another uid runs it, but it stays the owner's sandbox: listed, swept and reaped as theirs.
    name: `gobox-${i.user.uid}-${i.session.id}`,
    labels: { ...base.labels, [LABEL.owner]: String(i.user.uid) },
    command: o.command ?? ['sh', '-c', i.profile.cToolchain ? `${JAIL_CC_SCRIPT}\n${JAIL_BUILD_SCRIPT}` : JAIL_BUILD_SCRIPT, 'gobox-jail', ...(o.buildArgs ?? [])],
    env: jailEnv(o.sourceDateEpoch, i.profile.cToolchain),
    mounts,
    network: 'none',
    stdin: false,
  };
}

/** The rebuild's module copy step (MODULE_COPY_SCRIPT): the owner's jail, with the copy's dir writable. */
export function moduleCopySpec(i: SandboxInputs, o: { sourceDateEpoch: number; outDir: string; moduleCopy: string }): SandboxSpec {
  const jail = buildJailSpec(i, { sourceDateEpoch: o.sourceDateEpoch, outDir: o.outDir, command: ['sh', '-c', MODULE_COPY_SCRIPT] });
  return { ...jail, mounts: [...jail.mounts, { kind: 'bind', source: o.moduleCopy, target: MODULE_COPY_TARGET, readonly: false }] };
}
