import { describe, expect, it } from 'vitest';
import { LABEL } from '../common/labels.js';
import { profileSchema } from '../config/schema.js';
import type { EnvWithSources } from './env.js';
import { buildSandboxSpec, type SandboxInputs } from './spec.js';
import type { SandboxMount } from './types.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const NOW = new Date('2025-01-02T03:04:05.000Z');

function inputs(over: Partial<SandboxInputs> = {}, profile: unknown = {}): SandboxInputs {
  return {
    user: { uid: 1000, gid: 1001 },
    profileName: 'default',
    profile: profileSchema.parse(profile),
    project: { root: '/home/ann/proj', cwd: '/home/ann/proj/cmd/app' },
    toolchain: { version: '1.22.5', path: '/var/lib/gobox/toolchains/go1.22.5' },
    command: ['go', 'test', './...'],
    goEnv: {},
    cacheVolume: 'gobox-cache-1000',
    network: 'bridge',
    tty: false,
    stdin: true,
    session: { id: 'abc123', pid: 4242, pidStart: '98765', host: 'boot-1', now: NOW },
    ...over,
  };
}

const limitsProfile = {
  limits: { memory: '512m', cpus: 1.5, pids: 300, nofile: 2048, fsize: '1g', tmp: '256m', home: '64m', timeout: '10m' },
};

function mount(mounts: SandboxMount[], target: string): SandboxMount {
  const found = mounts.filter((m) => m.target === target);
  expect(found, `exactly one mount at ${target}`).toHaveLength(1);
  return found[0]!;
}

describe('buildSandboxSpec: identity and privileges', () => {
  it('runs as the caller uid:gid with every privilege dropped', () => {
    const spec = buildSandboxSpec(inputs());
    expect(spec.security).toEqual({
      user: '1000:1001',
      capDrop: ['ALL'],
      capAdd: [],
      noNewPrivileges: true,
      readonlyRootfs: true,
      init: true,
      seccomp: 'no-tracing',
    });
  });

  it('keeps ptrace only for a profile that asks for it (debuggers)', () => {
    expect(buildSandboxSpec(inputs({}, { ptrace: true })).security.seccomp).toBe('default');
  });

  it.each([
    [{ uid: 0, gid: 1000 }],
    [{ uid: 1000, gid: 0 }],
    [{ uid: 0, gid: 0 }],
  ])('refuses to run as root (%o)', (user) => {
    expect(() => buildSandboxSpec(inputs({ user }))).toThrow(/root/);
  });

  it('names the container after the user and session, with image and command from inputs', () => {
    const spec = buildSandboxSpec(inputs());
    expect(spec.name).toBe('gobox-1000-abc123');
    expect(spec.image).toBe('gobox-base:bookworm');
    expect(spec.command).toEqual(['go', 'test', './...']);
    expect(spec.tty).toBe(false);
    expect(spec.stdin).toBe(true);
  });
});

describe('buildSandboxSpec: limits', () => {
  it('takes every limit from the profile', () => {
    const spec = buildSandboxSpec(inputs({}, limitsProfile));
    expect(spec.limits.memoryBytes).toBe(512 * MiB);
    expect(spec.limits.memorySwapBytes).toBe(spec.limits.memoryBytes);
    expect(spec.limits.nanoCpus).toBe(1_500_000_000);
    expect(spec.limits.pids).toBe(300);
    expect(spec.limits.ulimits).toEqual([
      { name: 'nofile', soft: 2048, hard: 2048 },
      { name: 'fsize', soft: GiB, hard: GiB },
      { name: 'core', soft: 0, hard: 0 },
    ]);
    expect(spec.limits.logMaxBytes).toBeGreaterThan(0);
  });

  it('uses the schema defaults when the profile sets none', () => {
    const spec = buildSandboxSpec(inputs());
    expect(spec.limits.memoryBytes).toBe(2 * GiB);
    expect(spec.limits.memorySwapBytes).toBe(2 * GiB);
    expect(spec.limits.nanoCpus).toBe(2e9);
    expect(spec.limits.pids).toBe(1024);
  });
});

describe('buildSandboxSpec: mounts', () => {
  it('mounts the toolchain read-only at /usr/local/go', () => {
    const spec = buildSandboxSpec(inputs());
    expect(mount(spec.mounts, '/usr/local/go')).toEqual({
      kind: 'bind',
      source: '/var/lib/gobox/toolchains/go1.22.5',
      target: '/usr/local/go',
      readonly: true,
    });
  });

  it('mounts the project read-write at its host path with workdir = cwd', () => {
    const spec = buildSandboxSpec(inputs());
    expect(mount(spec.mounts, '/home/ann/proj')).toEqual({ kind: 'bind', source: '/home/ann/proj', target: '/home/ann/proj', readonly: false });
    expect(spec.workdir).toBe('/home/ann/proj/cmd/app');
  });

  it('mounts the project read-only in a jail, with /out writable when given', () => {
    const spec = buildSandboxSpec(inputs({ outDir: '/home/ann/proj/dist' }, { jail: true }));
    expect(mount(spec.mounts, '/home/ann/proj')).toMatchObject({ kind: 'bind', readonly: true });
    expect(mount(spec.mounts, '/out')).toEqual({ kind: 'bind', source: '/home/ann/proj/dist', target: '/out', readonly: false });
  });

  it("mounts the project read-only when the sandbox user could not write it (root's own project)", () => {
    const spec = buildSandboxSpec(inputs({ project: { root: '/home/ann/proj', cwd: '/home/ann/proj', readOnly: true } }));
    expect(mount(spec.mounts, '/home/ann/proj')).toEqual({ kind: 'bind', source: '/home/ann/proj', target: '/home/ann/proj', readonly: true });
  });

  it('has no /out mount without an outDir', () => {
    const spec = buildSandboxSpec(inputs());
    expect(spec.mounts.some((m) => m.target === '/out')).toBe(false);
  });

  it('mounts the user cache volume at /gobox/cache', () => {
    const spec = buildSandboxSpec(inputs());
    expect(mount(spec.mounts, '/gobox/cache')).toEqual({ kind: 'volume', name: 'gobox-cache-1000', target: '/gobox/cache', readonly: false });
  });

  it('gives a world-writable sticky /tmp and a private HOME owned by the caller, sized by the profile', () => {
    const spec = buildSandboxSpec(inputs({}, limitsProfile));
    expect(mount(spec.mounts, '/tmp')).toEqual({ kind: 'tmpfs', target: '/tmp', sizeBytes: 256 * MiB, mode: '1777' });
    expect(mount(spec.mounts, '/home/gobox')).toEqual({
      kind: 'tmpfs',
      target: '/home/gobox',
      sizeBytes: 64 * MiB,
      mode: '0700',
      uid: 1000,
      gid: 1001,
    });
  });

  it('mounts the CA bundle read-only only when one is given', () => {
    expect(buildSandboxSpec(inputs()).mounts.some((m) => m.target === '/etc/gobox/ca-bundle.pem')).toBe(false);
    const spec = buildSandboxSpec(inputs({ caBundle: '/var/lib/gobox/ca.pem' }));
    expect(mount(spec.mounts, '/etc/gobox/ca-bundle.pem')).toEqual({
      kind: 'bind',
      source: '/var/lib/gobox/ca.pem',
      target: '/etc/gobox/ca-bundle.pem',
      readonly: true,
    });
  });

  it('never mounts anything over / or the host root', () => {
    const spec = buildSandboxSpec(inputs({ caBundle: '/ca.pem', outDir: '/o' }, { jail: true }));
    for (const m of spec.mounts) expect(m.target).not.toBe('/');
  });
});

describe('buildSandboxSpec: environment', () => {
  it('puts the toolchain first on PATH, pins the toolchain and the caches, and exports no GOROOT', () => {
    const { env } = buildSandboxSpec(inputs());
    expect(env.PATH!.split(':')[0]).toBe('/usr/local/go/bin');
    expect(env.GOTOOLCHAIN).toBe('local');
    expect(env.GOCACHE!.startsWith('/gobox/cache/')).toBe(true);
    expect(env.GOMODCACHE!.startsWith('/gobox/cache/')).toBe(true);
    expect(env.HOME).toBe('/home/gobox');
    expect(env.GOTMPDIR).toBe('/tmp');
    expect(Object.keys(env)).not.toContain('GOROOT');
  });

  it('sets SSL_CERT_FILE and GIT_SSL_CAINFO only with a CA bundle', () => {
    const without = buildSandboxSpec(inputs()).env;
    expect(without).not.toHaveProperty('SSL_CERT_FILE');
    expect(without).not.toHaveProperty('GIT_SSL_CAINFO');
    expect(without).not.toHaveProperty('GOCERTFILE');
    const withCa = buildSandboxSpec(inputs({ caBundle: '/var/lib/gobox/ca.pem' })).env;
    expect(withCa.SSL_CERT_FILE).toBe('/etc/gobox/ca-bundle.pem');
    expect(withCa.GIT_SSL_CAINFO).toBe('/etc/gobox/ca-bundle.pem');
  });

  it('passes the merged Go env but never lets it override gobox keys', () => {
    const goEnv: EnvWithSources = {
      GOPROXY: { value: 'https://proxy.example', source: 'caller env' },
      GOFLAGS: { value: '-mod=mod', source: 'profile' },
      PATH: { value: '/evil/bin', source: 'caller env' },
      GOTOOLCHAIN: { value: 'go1.99.0', source: 'caller env' },
      GOCACHE: { value: '/home/other/cache', source: 'caller env' },
      HOME: { value: '/root', source: 'caller env' },
    };
    const { env } = buildSandboxSpec(inputs({ goEnv }));
    expect(env.GOPROXY).toBe('https://proxy.example');
    expect(env.GOFLAGS).toBe('-mod=mod');
    expect(env.PATH!.startsWith('/usr/local/go/bin:')).toBe(true);
    expect(env.PATH).not.toContain('/evil/bin');
    expect(env.GOTOOLCHAIN).toBe('local');
    expect(env.GOCACHE!.startsWith('/gobox/cache/')).toBe(true);
    expect(env.HOME).toBe('/home/gobox');
  });

  it('does not let the Go env override the CA paths', () => {
    const goEnv: EnvWithSources = { SSL_CERT_FILE: { value: '/tmp/evil.pem', source: 'caller env' } };
    const { env } = buildSandboxSpec(inputs({ goEnv, caBundle: '/ca.pem' }));
    expect(env.SSL_CERT_FILE).toBe('/etc/gobox/ca-bundle.pem');
  });

  it('sets TERM only with a TTY', () => {
    expect(buildSandboxSpec(inputs()).env).not.toHaveProperty('TERM');
    expect(buildSandboxSpec(inputs({ tty: true, term: 'screen-256color' })).env.TERM).toBe('screen-256color');
    expect(buildSandboxSpec(inputs({ tty: true })).env.TERM).toBe('xterm');
  });
});

describe('buildSandboxSpec: labels', () => {
  it('labels owner, session, profile, pid, created and a later expiry', () => {
    const { labels } = buildSandboxSpec(inputs({ profileName: 'classroom' }, limitsProfile));
    expect(labels[LABEL.owner]).toBe('1000');
    expect(labels[LABEL.session]).toBe('abc123');
    expect(labels[LABEL.profile]).toBe('classroom');
    expect(labels[LABEL.pid]).toBe('4242');
    expect(labels[LABEL.pidStart]).toBe('98765');
    expect(labels[LABEL.host]).toBe('boot-1');
    expect(labels[LABEL.managed]).toBe('true');
    expect(labels[LABEL.created]).toBe(NOW.toISOString());
    const expires = Date.parse(labels[LABEL.expires]!);
    // At least the 10m wall clock beyond creation.
    expect(expires).toBeGreaterThanOrEqual(NOW.getTime() + 10 * 60_000);
  });

  it('still expires eventually when the profile has no timeout', () => {
    const { labels } = buildSandboxSpec(inputs({}, { limits: { timeout: '0' } }));
    const expires = Date.parse(labels[LABEL.expires]!);
    expect(Number.isFinite(expires)).toBe(true);
    expect(expires).toBeGreaterThan(NOW.getTime());
  });
});

describe('buildSandboxSpec: network and runtime', () => {
  it('uses the resolved network outside a jail', () => {
    expect(buildSandboxSpec(inputs({ network: 'gobox-proxy-net' })).network).toBe('gobox-proxy-net');
  });

  it('forces network none in a jail, whatever app/ resolved', () => {
    expect(buildSandboxSpec(inputs({ network: 'bridge' }, { jail: true, network: 'open' })).network).toBe('none');
  });

  it('sets a runtime only when one is chosen, the input beating the profile', () => {
    expect(buildSandboxSpec(inputs())).not.toHaveProperty('runtime');
    expect(buildSandboxSpec(inputs({}, { runtime: 'runsc' })).runtime).toBe('runsc');
    expect(buildSandboxSpec(inputs({ runtime: 'kata' }, { runtime: 'runsc' })).runtime).toBe('kata');
  });
});
