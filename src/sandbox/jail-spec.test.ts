import { describe, expect, it } from 'vitest';
import { profileSchema } from '../config/schema.js';
import { buildJailSpec, jailEnv, JAIL_BUILD_SCRIPT, JAIL_CC_SCRIPT, moduleCopySpec, MODULE_COPY_SCRIPT, MODULE_COPY_TARGET } from './jail-spec.js';
import type { SandboxInputs } from './spec.js';

const NOW = new Date('2025-01-02T03:04:05.000Z');

function inputs(profile: unknown = {}): SandboxInputs {
  return {
    user: { uid: 1000, gid: 1001 },
    profileName: 'default',
    profile: profileSchema.parse(profile),
    project: { root: '/home/ann/proj', cwd: '/home/ann/proj' },
    toolchain: { version: '1.22.5', path: '/var/lib/gobox/toolchains/go1.22.5' },
    command: ['go', 'build'],
    // What a caller's environment and the profile tried to set: none of it may reach a jail.
    goEnv: {
      GOFLAGS: { value: '-mod=mod', source: 'caller env' },
      GOPROXY: { value: 'https://proxy.example', source: 'host' },
      CGO_ENABLED: { value: '1', source: 'profile' },
    },
    cacheVolume: 'gobox-cache-1000',
    caBundle: '/var/lib/gobox/ca/bundle.pem',
    network: 'bridge',
    tty: true,
    stdin: true,
    session: { id: 'abc123', pid: 4242, pidStart: '98765', host: 'boot-1', now: NOW },
  };
}

describe('buildJailSpec: the jail contract as data', () => {
  it('turns cgo on only with the C toolchain the profile pins, and has the jail report that compiler first', () => {
    const off = buildJailSpec(inputs({ jail: true }), { sourceDateEpoch: 0, outDir: '/o' });
    expect(off.env).toMatchObject({ CGO_ENABLED: '0' });
    expect(off.env.CC).toBeUndefined();
    expect(off.command[2]).toBe(JAIL_BUILD_SCRIPT);
    const on = buildJailSpec(inputs({ jail: true, cToolchain: 'gcc' }), { sourceDateEpoch: 0, outDir: '/o' });
    expect(on.env).toMatchObject({ CGO_ENABLED: '1', CC: 'gcc' });
    expect(on.command[2]).toBe(`${JAIL_CC_SCRIPT}\n${JAIL_BUILD_SCRIPT}`);
    expect(JAIL_CC_SCRIPT).toContain('"$CC" --version | head -n 1 > /out/meta/cc-version.txt');
    expect(() => profileSchema.parse({ cToolchain: 'gcc; rm -rf /' })).toThrow(/compiler package name/);
  });

  it('has no network and a fixed environment, whatever the profile (jail: false, network open) and caller said', () => {
    const spec = buildJailSpec(inputs({ network: 'open', jail: false }), { sourceDateEpoch: 1704164645, outDir: '/home/ann/proj/out/.stage', buildArgs: ['-ldflags=-s', './cmd/app'] });
    expect(spec.network).toBe('none');
    expect(spec.env).toEqual(jailEnv(1704164645));
    expect(spec.env).toMatchObject({
      GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -trimpath', GOPROXY: 'off', GOSUMDB: 'off',
      SOURCE_DATE_EPOCH: '1704164645', HOME: '/home/gobox', TMPDIR: '/tmp', GOCACHE: '/tmp/gocache', GOENV: 'off',
    });
    expect(spec.env.SSL_CERT_FILE).toBeUndefined();
    expect(spec.stdin).toBe(false);
    expect(spec.tty).toBe(false);
  });

  it('mounts the source and the module cache read-only, the out dir writable, the build cache on the fresh /tmp tmpfs', () => {
    const spec = buildJailSpec(inputs(), { sourceDateEpoch: 0, outDir: '/home/ann/proj/out/.stage', hide: ['/home/ann/proj/out'] });
    const at = (t: string) => spec.mounts.filter((m) => m.target === t);
    expect(at('/home/ann/proj')).toEqual([{ kind: 'bind', source: '/home/ann/proj', target: '/home/ann/proj', readonly: true }]);
    expect(at('/gobox/cache')).toEqual([{ kind: 'volume', name: 'gobox-cache-1000', target: '/gobox/cache', readonly: true }]);
    expect(at('/out')).toEqual([{ kind: 'bind', source: '/home/ann/proj/out/.stage', target: '/out', readonly: false }]);
    expect(at('/tmp')[0]).toMatchObject({ kind: 'tmpfs' });
    // The out dir inside the source is hidden behind an empty tmpfs: Go's VCS stamping must not see it.
    expect(at('/home/ann/proj/out')).toEqual([{ kind: 'tmpfs', target: '/home/ann/proj/out', sizeBytes: 4096, mode: '0555' }]);
    // The user's own build cache in the same volume is hidden too.
    expect(at('/gobox/cache/build')).toEqual([{ kind: 'tmpfs', target: '/gobox/cache/build', sizeBytes: 4096, mode: '0555' }]);
    // No CA bundle: there is no network to use it on.
    expect(spec.mounts.some((m) => m.target === '/etc/gobox/ca-bundle.pem')).toBe(false);
  });

  it('keeps the sandbox contract: never root, all capabilities dropped, read-only root filesystem', () => {
    const spec = buildJailSpec(inputs(), { sourceDateEpoch: 0, outDir: '/o' });
    expect(spec.security).toMatchObject({ user: '1000:1001', capDrop: ['ALL'], noNewPrivileges: true, readonlyRootfs: true });
    expect(() => buildJailSpec({ ...inputs(), user: { uid: 0, gid: 0 } }, { sourceDateEpoch: 0, outDir: '/o' })).toThrow(/never runs as root/);
  });

  it('passes go build arguments as "$@" to a fixed script that always adds -trimpath, never through a shell parse', () => {
    const spec = buildJailSpec(inputs(), { sourceDateEpoch: 0, outDir: '/o', buildArgs: ['-ldflags=-X main.v=$(date)', '.'] });
    expect(spec.command).toEqual(['sh', '-c', JAIL_BUILD_SCRIPT, 'gobox-jail', '-ldflags=-X main.v=$(date)', '.']);
    expect(JAIL_BUILD_SCRIPT).toContain('go build -trimpath -o /out/bin/ "$@"');
    expect(JAIL_BUILD_SCRIPT).toContain('go mod verify');
  });

  it("rebuilds as another uid: the owner's cache volume is not mounted, the module copy is, read-only; the sandbox stays the owner's", () => {
    const spec = buildJailSpec(inputs(), { sourceDateEpoch: 0, outDir: '/o', rebuild: { runAs: { uid: 65532, gid: 65532 }, moduleCopy: '/w/out/.s-modules' } });
    expect(spec.security.user).toBe('65532:65532');
    expect(spec.mounts.filter((m) => m.target === '/gobox/cache')).toEqual([]);
    expect(spec.mounts.filter((m) => m.target === '/gobox/cache/mod')).toEqual([{ kind: 'bind', source: '/w/out/.s-modules', target: '/gobox/cache/mod', readonly: true }]);
    expect(spec.mounts.some((m) => m.kind === 'volume')).toBe(false);
    // HOME and /tmp belong to the uid that runs; listing, sweeping and reaping see the owner's sandbox.
    expect(spec.mounts.find((m) => m.target === '/home/gobox')).toMatchObject({ kind: 'tmpfs', uid: 65532, gid: 65532 });
    expect(spec.labels['gobox.owner']).toBe('1000');
    expect(spec.name).toBe('gobox-1000-abc123');
    expect(spec.env).toEqual(jailEnv(0));
  });

  it("copies the modules for a rebuild as the owner, from the owner's cache as a file proxy, with no network", () => {
    const spec = moduleCopySpec(inputs(), { sourceDateEpoch: 0, outDir: '/o', moduleCopy: '/w/out/.s-modules' });
    expect(spec.security.user).toBe('1000:1001');
    expect(spec.network).toBe('none');
    expect(spec.command).toEqual(['sh', '-c', MODULE_COPY_SCRIPT]);
    expect(MODULE_COPY_SCRIPT).toContain(`GOMODCACHE=${MODULE_COPY_TARGET} GOPROXY=file:///gobox/cache/mod/cache/download go mod download`);
    const at = (t: string) => spec.mounts.filter((m) => m.target === t);
    expect(at('/gobox/cache')).toEqual([{ kind: 'volume', name: 'gobox-cache-1000', target: '/gobox/cache', readonly: true }]);
    expect(at(MODULE_COPY_TARGET)).toEqual([{ kind: 'bind', source: '/w/out/.s-modules', target: MODULE_COPY_TARGET, readonly: false }]);
    expect(at('/home/ann/proj')[0]).toMatchObject({ readonly: true });
  });
});
