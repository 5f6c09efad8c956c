import { describe, expect, it } from 'vitest';
import type { HelperCaller } from '../common/helper-caller.js';
import { LABEL } from '../common/labels.js';
import { cacheChownSpec, cacheMoveSpec, cacheScriptSpec, imageFileReaderSpec, LIMITS_PROBE, limitsProbeSpec } from './helper-spec.js';
import { FORWARDER_CONFIG_LABEL, forwarderSpec } from './service-spec.js';
import type { SandboxSpec } from './types.js';
import { LAUNCH_FILE, LAUNCHER, WAITING_COMMAND, WARM_LABEL, warmSandboxSpec } from './warm-spec.js';

const PROCESS_LABELS = {
  [LABEL.pid]: '4242',
  [LABEL.pidStart]: '98765',
  [LABEL.pidns]: '4026531836',
  [LABEL.host]: 'boot-1',
  [LABEL.created]: '2025-01-02T03:04:05.000Z',
  [LABEL.expires]: '2025-01-02T09:04:05.000Z',
};
const caller = (uid = 1000, gid = 1001): HelperCaller => ({ id: 'm4x-abc123', uid, gid, processLabels: PROCESS_LABELS });
const IMAGE = 'gobox-base:bookworm';
const MiB = 1024 * 1024;

const helpers: [string, SandboxSpec][] = [
  ['cache chown', cacheChownSpec(IMAGE, 'gobox-cache-2000', { uid: 2000, gid: 2001 }, caller())],
  ['cache scan', cacheScriptSpec(IMAGE, 'gobox-cache-2000', { uid: 2000, gid: 2001 }, 'echo scan', [], caller())],
  ['cache move', cacheMoveSpec(IMAGE, 'gobox-cache-2000', '/var/lib/gobox/caches/2000', { uid: 2000, gid: 2001 }, caller(0, 0))],
  ['CA roots reader', imageFileReaderSpec(IMAGE, '/etc/ssl/certs/ca-certificates.crt', caller())],
  ['limits probe', limitsProbeSpec(IMAGE, 'runsc', caller())],
];

describe('helper specs: the contract every helper keeps', () => {
  it.each(helpers)('%s: no capabilities but the one it needs, no-new-privileges, read-only root, no network', (_name, spec) => {
    expect(spec.security.capDrop).toEqual(['ALL']);
    expect(spec.security.capAdd.every((c) => c === 'CHOWN')).toBe(true);
    expect(spec.security).toMatchObject({ noNewPrivileges: true, readonlyRootfs: true, init: true, seccomp: 'default' });
    expect(spec.network).toBe('none');
    expect(spec.env).toEqual({});
    expect(spec).toMatchObject({ tty: false, stdin: false });
    // Small limits: a helper never gets the room of a sandbox.
    expect(spec.limits.memoryBytes).toBeLessThanOrEqual(256 * MiB);
    expect(spec.limits.memorySwapBytes).toBe(spec.limits.memoryBytes);
    expect(spec.limits.pids).toBeLessThanOrEqual(77);
  });

  it.each(helpers)('%s: carries what the reaper needs (owner, pid, pid start, pidns, boot, expiry) and kind helper', (_name, spec) => {
    expect(spec.labels).toMatchObject({ ...PROCESS_LABELS, [LABEL.managed]: 'true', [LABEL.kind]: 'helper' });
    expect(spec.labels[LABEL.owner]).toMatch(/^\d+$/);
  });

  it('only the chown helper runs as root, keeping CAP_CHOWN alone, and sees only the volume', () => {
    const spec = cacheChownSpec(IMAGE, 'gobox-cache-2000', { uid: 2000, gid: 2001 }, caller());
    expect(spec.security).toMatchObject({ user: '0:0', capAdd: ['CHOWN'] });
    expect(spec.mounts).toEqual([{ kind: 'volume', name: 'gobox-cache-2000', target: '/v', readonly: false }]);
    expect(spec.command.at(-1)).toContain('chown -R 2000:2001 /v');
    for (const [name, other] of helpers) if (name !== 'cache chown') expect(other.security.user, name).not.toMatch(/^0:/);
  });

  it("the cache move runs as the cache's owner, reading the old volume and writing only the new image's mount", () => {
    const spec = cacheMoveSpec(IMAGE, 'gobox-cache-2000', '/var/lib/gobox/caches/2000', { uid: 2000, gid: 2001 }, caller(0, 0));
    expect(spec.security).toMatchObject({ user: '2000:2001', capAdd: [] });
    expect(spec.labels[LABEL.owner]).toBe('2000');
    expect(spec.mounts).toEqual([
      { kind: 'volume', name: 'gobox-cache-2000', target: '/from', readonly: true },
      { kind: 'bind', source: '/var/lib/gobox/caches/2000', target: '/v', readonly: false },
    ]);
    // What does not fit leaves no half-copied module tree behind.
    expect(spec.command.at(-1)).toMatch(/^cp -a \/from\/\. \/v\/ .*\|\| \{ .*rm -rf \/v\/mod; mkdir -p \/v\/mod; echo partial; \}$/);
  });

  it('cache scripts run as the cache owner and are labelled with the owner, not with the caller', () => {
    const spec = cacheScriptSpec(IMAGE, 'gobox-cache-2000', { uid: 2000, gid: 2001 }, 'echo trim "$1"', ['1700000000', 'mod/x@v1'], caller(0, 0));
    expect(spec.security.user).toBe('2000:2001');
    expect(spec.labels[LABEL.owner]).toBe('2000');
    expect(spec.command).toEqual(['sh', '-c', 'echo trim "$1"', 'gobox-cache', '1700000000', 'mod/x@v1']);
  });

  it('the CA roots reader runs as nobody with nothing mounted, owned by the caller', () => {
    const spec = imageFileReaderSpec(IMAGE, '/etc/ssl/certs/ca-certificates.crt', caller());
    expect(spec.security.user).toBe('65534:65534');
    expect(spec.mounts).toEqual([]);
    expect(spec.labels[LABEL.owner]).toBe('1000');
  });

  it('the limits probe runs as the caller, as nobody for root, with the odd limits under the asked runtime', () => {
    expect(limitsProbeSpec(IMAGE, undefined, caller()).security.user).toBe('1000:1001');
    expect(limitsProbeSpec(IMAGE, undefined, caller(0, 0)).security.user).toBe('65534:65534');
    const spec = limitsProbeSpec(IMAGE, 'runsc', caller());
    expect(spec.limits).toMatchObject({ memoryBytes: LIMITS_PROBE.memoryBytes, memorySwapBytes: LIMITS_PROBE.memoryBytes, pids: 77, nanoCpus: 5e8 });
    expect(spec.runtime).toBe('runsc');
    expect(limitsProbeSpec(IMAGE, undefined, caller())).not.toHaveProperty('runtime');
    // The caller's id marks the probe's command line, so its pid is known to be the probe's.
    expect(spec.command.at(-1)).toMatch(/echo probe-done; exec sleep 30 # m4x-abc123$/);
  });
});

/**
 * The specs as the engine built them before they moved here (engine/dockerode-engine.ts's
 * runHelper, engine/limits-readback.ts's probeSpec): equal specs mean equal create options.
 */
describe('helper specs: unchanged from where they were built before', () => {
  const base = (over: Partial<SandboxSpec> & Pick<SandboxSpec, 'command' | 'mounts' | 'security'>, owner: string): SandboxSpec => ({
    name: 'gobox-helper-m4x-abc123',
    image: IMAGE,
    workdir: '/',
    env: {},
    labels: { [LABEL.owner]: owner, ...PROCESS_LABELS, [LABEL.managed]: 'true', [LABEL.kind]: 'helper' },
    limits: { memoryBytes: 256 * MiB, memorySwapBytes: 256 * MiB, nanoCpus: 1e9, pids: 64, ulimits: [], logMaxBytes: MiB },
    network: 'none',
    tty: false,
    stdin: false,
    ...over,
  });
  const sec = (user: string, capAdd: string[] = []) => ({ user, capDrop: ['ALL'] as ['ALL'], capAdd, noNewPrivileges: true as const, readonlyRootfs: true, init: true as const, seccomp: 'default' as const });

  it('cache chown, scripts and CA reader', () => {
    expect(cacheChownSpec(IMAGE, 'gobox-cache-2000', { uid: 2000, gid: 2001 }, caller(0, 0))).toEqual(base({
      command: ['sh', '-c', 'mkdir -p /v/build /v/mod && chmod 0700 /v && chown -R 2000:2001 /v'],
      mounts: [{ kind: 'volume', name: 'gobox-cache-2000', target: '/v', readonly: false }],
      security: sec('0:0', ['CHOWN']),
    }, '2000'));
    expect(cacheScriptSpec(IMAGE, 'gobox-cache-2000', { uid: 2000, gid: 2001 }, 'S', ['a'], caller())).toEqual(base({
      command: ['sh', '-c', 'S', 'gobox-cache', 'a'],
      mounts: [{ kind: 'volume', name: 'gobox-cache-2000', target: '/v', readonly: false }],
      security: sec('2000:2001'),
    }, '2000'));
    expect(imageFileReaderSpec(IMAGE, '/etc/ssl/certs/ca-certificates.crt', caller())).toEqual(base({
      command: ['cat', '/etc/ssl/certs/ca-certificates.crt'], mounts: [], security: sec('65534:65534'),
    }, '1000'));
  });

  it('limits probe', () => {
    const spec = limitsProbeSpec(IMAGE, 'runsc', caller());
    expect({ ...spec, command: spec.command.slice(0, 2) }).toEqual({
      name: 'gobox-probe-m4x-abc123',
      image: IMAGE,
      command: ['sh', '-c'],
      workdir: '/',
      env: {},
      labels: { ...PROCESS_LABELS, [LABEL.managed]: 'true', [LABEL.kind]: 'helper', [LABEL.owner]: '1000' },
      mounts: [],
      limits: { memoryBytes: 100 * MiB, memorySwapBytes: 100 * MiB, nanoCpus: 500_000_000, pids: 77, ulimits: [], logMaxBytes: 64 * 1024 },
      security: sec('1000:1001'),
      network: 'none',
      runtime: 'runsc',
      tty: false,
      stdin: false,
    });
  });

  it('proxy-mode forwarder', () => {
    const spec = forwarderSpec({ name: 'gobox-proxy', port: 3128, image: IMAGE, binary: '/var/lib/gobox/proxy/forwarder-1', allow: ['proxy.corp:443', 'sum.corp:443'], config: 'c0ffee' });
    expect(spec).toEqual({
      name: 'gobox-proxy',
      image: IMAGE,
      command: ['/gobox/forwarder', '-listen', ':3128', '-allow', 'proxy.corp:443,sum.corp:443'],
      workdir: '/',
      env: {},
      labels: { [LABEL.managed]: 'true', [LABEL.kind]: 'proxy', [FORWARDER_CONFIG_LABEL]: 'c0ffee' },
      mounts: [{ kind: 'bind', source: '/var/lib/gobox/proxy/forwarder-1', target: '/gobox/forwarder', readonly: true }],
      limits: { memoryBytes: 128 * MiB, memorySwapBytes: 128 * MiB, nanoCpus: 1e9, pids: 256, ulimits: [{ name: 'nofile', soft: 4096, hard: 4096 }, { name: 'core', soft: 0, hard: 0 }], logMaxBytes: MiB },
      security: sec('65534:65534'),
      network: 'bridge',
      tty: false,
      stdin: false,
    });
  });
});

describe('warm sandbox spec', () => {
  const built = {
    name: 'gobox-1000-abc', image: IMAGE, command: ['go', 'test'], workdir: '/p', env: { A: '1' },
    labels: { [LABEL.kind]: 'sandbox', [LABEL.command]: 'go test', [LABEL.expires]: '2025-01-02T03:00:00.000Z' },
    mounts: [{ kind: 'bind' as const, source: '/p', target: '/p', readonly: false }],
    limits: { memoryBytes: 1, memorySwapBytes: 1, nanoCpus: 1, pids: 1, ulimits: [], logMaxBytes: 1 },
    security: { ...{ user: '1000:1001', capDrop: ['ALL'] as ['ALL'], capAdd: [], noNewPrivileges: true as const, readonlyRootfs: true, init: true as const }, seccomp: 'no-tracing' as const },
    network: 'bridge', tty: false, stdin: false,
  } satisfies SandboxSpec;

  it('is the run\'s own spec with the launcher, stdin, the launch file and a later expiry; the contract is untouched', () => {
    const warm = warmSandboxSpec(built, '/tmp/gobox-id-1/launch', 60_000);
    expect(warm).toEqual({
      ...built,
      command: ['/bin/sh', '-c', LAUNCHER],
      stdin: true,
      mounts: [...built.mounts, { kind: 'bind', source: '/tmp/gobox-id-1/launch', target: LAUNCH_FILE, readonly: true }],
      labels: { ...built.labels, [WARM_LABEL]: 'true', [LABEL.command]: WAITING_COMMAND, [LABEL.expires]: '2025-01-02T03:01:00.000Z' },
    });
    expect(warm.security).toEqual(built.security);
    expect(warm.limits).toEqual(built.limits);
  });
});
