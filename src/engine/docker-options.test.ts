import { describe, expect, it } from 'vitest';
import { profileSchema } from '../config/schema.js';
import { buildSandboxSpec, type SandboxInputs } from '../sandbox/spec.js';
import type { SandboxSpec } from '../sandbox/types.js';
import { dockerCreateOptions } from './docker-options.js';

function spec(over: Partial<SandboxInputs> = {}, profile: unknown = {}): SandboxSpec {
  return buildSandboxSpec({
    user: { uid: 1000, gid: 1001 },
    profileName: 'default',
    profile: profileSchema.parse(profile),
    project: { root: '/home/ann/proj', cwd: '/home/ann/proj/sub' },
    toolchain: { version: '1.22.5', path: '/store/go1.22.5' },
    command: ['go', 'version'],
    goEnv: { GOPROXY: { value: 'off', source: 'profile' } },
    cacheVolume: 'gobox-cache-1000',
    network: 'bridge',
    tty: false,
    stdin: false,
    session: { id: 's1', pid: 10, pidStart: '1', host: 'b', now: new Date('2025-01-01T00:00:00Z') },
    ...over,
  });
}

const limits = { limits: { memory: '512m', cpus: 0.5, pids: 100, nofile: 1024, fsize: '2m', tmp: '64m', home: '32m' } };

describe('dockerCreateOptions', () => {
  it('maps the security contract to HostConfig', () => {
    const hc = dockerCreateOptions(spec()).HostConfig!;
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.CapAdd).toEqual([]);
    expect(hc.SecurityOpt).toContain('no-new-privileges');
    expect(hc.SecurityOpt!.some((o: string) => /seccomp[=:]unconfined/.test(o))).toBe(false);
    expect(hc.ReadonlyRootfs).toBe(true);
    expect(hc.Init).toBe(true);
    expect(hc.Privileged).toBe(false);
    expect(hc.Devices).toEqual([]);
  });

  it('maps the limits', () => {
    const hc = dockerCreateOptions(spec({}, limits)).HostConfig!;
    expect(hc.Memory).toBe(512 * 1024 ** 2);
    expect(hc.MemorySwap).toBe(hc.Memory);
    expect(hc.NanoCpus).toBe(500_000_000);
    expect(hc.PidsLimit).toBe(100);
    expect(hc.Ulimits).toEqual([
      { Name: 'nofile', Soft: 1024, Hard: 1024 },
      { Name: 'fsize', Soft: 2 * 1024 ** 2, Hard: 2 * 1024 ** 2 },
      { Name: 'core', Soft: 0, Hard: 0 },
    ]);
    expect(hc.LogConfig?.Config?.['max-size']).toBeDefined();
  });

  it('maps bind mounts with rprivate propagation and read-only flags, and the cache volume', () => {
    const hc = dockerCreateOptions(spec({ caBundle: '/host/ca.pem' })).HostConfig!;
    const byTarget = new Map(hc.Mounts!.map((m) => [m.Target, m]));
    expect(byTarget.get('/usr/local/go')).toEqual({
      Type: 'bind',
      Source: '/store/go1.22.5',
      Target: '/usr/local/go',
      ReadOnly: true,
      BindOptions: { Propagation: 'rprivate' },
    });
    expect(byTarget.get('/home/ann/proj')).toEqual({
      Type: 'bind',
      Source: '/home/ann/proj',
      Target: '/home/ann/proj',
      ReadOnly: false,
      BindOptions: { Propagation: 'rprivate' },
    });
    expect(byTarget.get('/etc/gobox/ca-bundle.pem')).toMatchObject({ Type: 'bind', ReadOnly: true, BindOptions: { Propagation: 'rprivate' } });
    expect(byTarget.get('/gobox/cache')).toMatchObject({ Type: 'volume', Source: 'gobox-cache-1000', ReadOnly: false });
    for (const m of hc.Mounts!) if (m.Type === 'bind') expect(m.BindOptions?.Propagation).toBe('rprivate');
  });

  it('makes the project read-only in a jail', () => {
    const hc = dockerCreateOptions(spec({}, { jail: true })).HostConfig!;
    expect(hc.Mounts!.find((m) => m.Target === '/home/ann/proj')?.ReadOnly).toBe(true);
  });

  it('writes tmpfs option strings with size, mode and owner', () => {
    const hc = dockerCreateOptions(spec({}, limits)).HostConfig!;
    const tmp = hc.Tmpfs!['/tmp']!.split(',');
    expect(tmp).toContain(`size=${64 * 1024 ** 2}`);
    expect(tmp).toContain('mode=1777');
    expect(tmp).toContain('nosuid');
    expect(tmp.some((o) => o.startsWith('uid='))).toBe(false);
    const home = hc.Tmpfs!['/home/gobox']!.split(',');
    expect(home).toContain(`size=${32 * 1024 ** 2}`);
    expect(home).toContain('mode=0700');
    expect(home).toContain('uid=1000');
    expect(home).toContain('gid=1001');
    // tmpfs mounts are not duplicated as Mounts entries.
    expect(hc.Mounts!.some((m) => m.Target === '/tmp' || m.Target === '/home/gobox')).toBe(false);
  });

  it('sets user, workdir, env array, command and labels at the top level', () => {
    const s = spec();
    const o = dockerCreateOptions(s);
    expect(o.User).toBe('1000:1001');
    expect(o.WorkingDir).toBe('/home/ann/proj/sub');
    expect(o.Cmd).toEqual(['go', 'version']);
    expect(o.Image).toBe('gobox-base:bookworm');
    expect(o.name).toBe(s.name);
    expect(o.Labels).toEqual(s.labels);
    expect(o.Env).toContain('GOPROXY=off');
    expect(o.Env).toContain('GOTOOLCHAIN=local');
    expect(o.Env!.find((e) => e.startsWith('PATH='))).toMatch(/^PATH=\/usr\/local\/go\/bin:/);
    expect(o.Env!.some((e) => e.startsWith('GOROOT='))).toBe(false);
    expect(o.Env).toHaveLength(Object.keys(s.env).length);
  });

  it('maps the network mode and disables networking for none', () => {
    const open = dockerCreateOptions(spec({ network: 'bridge' }));
    expect(open.HostConfig!.NetworkMode).toBe('bridge');
    expect(open.NetworkDisabled).toBeUndefined();
    const jail = dockerCreateOptions(spec({}, { jail: true }));
    expect(jail.HostConfig!.NetworkMode).toBe('none');
    expect(jail.NetworkDisabled).toBe(true);
  });

  it('sets Runtime only when the spec has one', () => {
    expect(dockerCreateOptions(spec()).HostConfig).not.toHaveProperty('Runtime');
    expect(dockerCreateOptions(spec({ runtime: 'runsc' })).HostConfig!.Runtime).toBe('runsc');
  });

  it('attaches stdin only when asked', () => {
    expect(dockerCreateOptions(spec({ stdin: false })).OpenStdin).toBe(false);
    const o = dockerCreateOptions(spec({ stdin: true, tty: true }));
    expect(o.OpenStdin).toBe(true);
    expect(o.AttachStdin).toBe(true);
    expect(o.Tty).toBe(true);
  });
});

describe('dockerCreateOptions: seccomp without tracing', () => {
  it('passes the no-tracing profile to Docker only when the spec asks and the engine has one', async () => {
    const { seccompWithoutTracing } = await import('./seccomp.js');
    const json = seccompWithoutTracing();
    expect(json).toBeDefined();
    const allowed = (JSON.parse(json!) as { syscalls: { names: string[]; action: string }[] }).syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names);
    expect(allowed).not.toContain('ptrace');
    expect(allowed).toContain('read');
    // Never weaker than Docker's default: no namespaces, mounts or keyrings without capabilities.
    for (const s of ['unshare', 'setns', 'mount', 'umount2', 'keyctl', 'clone3']) expect(allowed).not.toContain(s);
    const rules = (JSON.parse(json!) as { syscalls: { names: string[]; action: string; args?: { value: number; op: string }[]; errnoRet?: number }[] }).syscalls;
    expect(rules.find((r) => r.names.includes('clone'))).toMatchObject({ action: 'SCMP_ACT_ALLOW', args: [{ value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }] });
    expect(rules.find((r) => r.names.includes('clone3'))).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    const s = spec();
    expect(s.security.seccomp).toBe('no-tracing');
    expect(dockerCreateOptions(s, { seccompNoTracing: json! }).HostConfig!.SecurityOpt).toEqual(['no-new-privileges', `seccomp=${json}`]);
    expect(dockerCreateOptions(s, {}).HostConfig!.SecurityOpt).toEqual(['no-new-privileges']);
    expect(dockerCreateOptions(spec({}, { ptrace: true }), { seccompNoTracing: json! }).HostConfig!.SecurityOpt).toEqual(['no-new-privileges']);
  });
});
