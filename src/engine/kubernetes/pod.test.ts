import { describe, expect, it } from 'vitest';
import { profileSchema } from '../../config/schema.js';
import { buildSandboxSpec, type SandboxInputs } from '../../sandbox/spec.js';
import { compilePod, type PodOptions } from './pod.js';
import { networkPolicyFor, sameEgress } from './network-policy.js';

const NOW = new Date('2026-12-02T03:04:05.000Z');

function spec(over: Partial<SandboxInputs> = {}, profile: unknown = {}) {
  return buildSandboxSpec({
    user: { uid: 1000, gid: 1001 },
    profileName: 'default',
    profile: profileSchema.parse({ limits: { memory: '512m', cpus: 1.5, pids: 300, fsize: '1g', tmp: '256m', home: '64m', timeout: '10m' }, ...(profile as object) }),
    project: { root: '/home/ann/proj', cwd: '/home/ann/proj/cmd' },
    toolchain: { version: '1.22.5', path: '/var/lib/gobox/toolchains/go1.22.5' },
    command: ['go', 'test', './...'],
    goEnv: {},
    cacheVolume: 'gobox-cache-1000',
    identityFiles: { passwd: '/run/gobox/id/passwd', group: '/run/gobox/id/group' },
    network: 'none',
    tty: false,
    stdin: true,
    session: { id: 'abc123', pid: 4242, pidStart: '98765', host: 'boot-1', now: NOW },
    ...over,
  });
}

const OPTS: PodOptions = { namespace: 'gobox', toolchains: { claim: 'gobox-toolchains', storeRoot: '/var/lib/gobox/toolchains' }, timeoutMs: 600_000, cacheBytes: 2 * 1024 ** 3 };

describe('compilePod: the sandbox contract as a Pod', () => {
  it('runs as the user, never root, with no privileges and a read-only root', () => {
    const { pod } = compilePod(spec(), OPTS);
    const c = pod.spec!.containers[0]!;
    expect(pod.spec!.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1001, runAsNonRoot: true, fsGroup: 1001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(c.securityContext!.capabilities!.add).toBeUndefined();
    expect(pod.spec).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, enableServiceLinks: false, activeDeadlineSeconds: 660 });
  });

  it('refuses a root user', () => {
    expect(() => compilePod({ ...spec(), security: { ...spec().security, user: '0:0' } }, OPTS)).toThrow(/never runs as root/);
  });

  it('uses the no-tracing profile as a Localhost profile where installed, and says so where not', () => {
    expect(compilePod(spec(), { ...OPTS, localhostSeccomp: 'gobox/no-tracing.json' }).pod.spec!.securityContext!.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'gobox/no-tracing.json' });
    expect(compilePod(spec(), OPTS).unsupported.join('\n')).toMatch(/allows ptrace/);
  });

  it('limits memory, cpu and ephemeral storage; requests equal them only when guaranteed', () => {
    const r = compilePod(spec(), { ...OPTS, guaranteed: true }).pod.spec!.containers[0]!.resources!;
    expect(r.limits).toEqual({ memory: String(512 * 1024 ** 2), cpu: '1500m', 'ephemeral-storage': String(1024 ** 3) });
    expect(r.requests).toEqual(r.limits);
    const burst = compilePod(spec(), OPTS).pod.spec!.containers[0]!.resources!;
    expect(burst.limits).toEqual(r.limits);
    expect(burst.requests).toEqual({ memory: String(256 * 1024 ** 2), cpu: '100m' });
  });

  it('mounts tmpfs as memory emptyDirs with size limits, the cache as the user\'s claim, the toolchain read-only by subPath', () => {
    const c = compilePod(spec(), OPTS);
    const vols = c.pod.spec!.volumes!;
    const mounts = c.pod.spec!.containers[0]!.volumeMounts!;
    const at = (p: string) => mounts.find((m) => m.mountPath === p)!;
    const vol = (name: string) => vols.find((v) => v.name === name)!;
    expect(vol(at('/tmp').name).emptyDir).toEqual({ medium: 'Memory', sizeLimit: String(256 * 1024 ** 2) });
    expect(vol(at('/home/gobox').name).emptyDir).toEqual({ medium: 'Memory', sizeLimit: String(64 * 1024 ** 2) });
    expect(vol(at('/gobox/cache').name).persistentVolumeClaim).toEqual({ claimName: 'gobox-cache-1000', readOnly: false });
    expect(c.cacheClaim).toMatchObject({ metadata: { name: 'gobox-cache-1000', labels: { 'gobox.owner': '1000' } }, spec: { resources: { requests: { storage: String(2 * 1024 ** 3) } } } });
    expect(at('/usr/local/go')).toMatchObject({ readOnly: true, subPath: 'go1.22.5' });
    expect(vol(at('/usr/local/go').name).persistentVolumeClaim).toEqual({ claimName: 'gobox-toolchains', readOnly: true });
  });

  it('takes the toolchain from the store on the node (hostPath) where no claim holds it', () => {
    const c = compilePod(spec(), { ...OPTS, toolchains: { hostPath: '/var/lib/gobox/toolchains', storeRoot: '/var/lib/gobox/toolchains' } });
    const m = c.pod.spec!.containers[0]!.volumeMounts!.find((v) => v.mountPath === '/usr/local/go')!;
    expect(m).toMatchObject({ readOnly: true, subPath: 'go1.22.5' });
    expect(c.pod.spec!.volumes!.find((v) => v.name === m.name)!.hostPath).toEqual({ path: '/var/lib/gobox/toolchains', type: 'Directory' });
  });

  it('streams the project in (and back), and mounts identity files from the pod\'s own annotations', () => {
    const c = compilePod(spec(), OPTS);
    expect(c.synced).toEqual([{ hostPath: '/home/ann/proj', podPath: '/home/ann/proj', volume: expect.any(String), copyBack: true }]);
    expect(c.files?.items.map((i) => i.hostPath)).toEqual(['/run/gobox/id/passwd', '/run/gobox/id/group']);
    const files = c.pod.spec!.volumes!.find((v) => v.name === 'files')!.downwardAPI!;
    expect(files.items!.map((i) => i.fieldRef!.fieldPath)).toEqual(c.files!.items.map((i) => `metadata.annotations['${i.annotation}']`));
    expect(c.pod.spec!.containers[0]!.volumeMounts!.find((m) => m.mountPath === '/etc/passwd')).toMatchObject({ name: 'files', readOnly: true });
    // The gate enters the working directory once the project is in (sync-sidecar.ts).
    expect(c.pod.spec!.containers[0]!.command!.slice(3, 5)).toEqual(['gobox-gate', '/home/ann/proj/cmd']);
  });

  it('keeps gobox labels: valid values as labels, the rest as annotations', () => {
    const { metadata } = compilePod(spec(), OPTS).pod;
    expect(metadata!.labels).toMatchObject({ 'gobox.owner': '1000', 'gobox.kind': 'sandbox', 'gobox.session': 'abc123', 'gobox.network-mode': 'none' });
    expect(metadata!.annotations!['gobox.command']).toBe('go test ./...');
    for (const v of Object.values(metadata!.labels!)) expect(v).toMatch(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/);
  });

  it('says what a pod cannot hold: the pids limit', () => {
    expect(compilePod(spec(), OPTS).unsupported[0]).toMatch(/pids 300.*podPidsLimit/);
  });
});

describe('networkPolicyFor', () => {
  it('none: no egress at all, ingress only from the same user', () => {
    const p = networkPolicyFor(1000, 'none', 'gobox');
    expect(p.spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'], egress: [], podSelector: { matchLabels: { 'gobox.owner': '1000', 'gobox.network-mode': 'none' } } });
    expect(p.spec!.ingress).toEqual([{ _from: [{ podSelector: { matchLabels: { 'gobox.owner': '1000', 'gobox.kind': 'sandbox' } } }] }]);
  });

  it('proxy: only the module proxy; open: everything but other pods', () => {
    expect(networkPolicyFor(7, 'proxy', 'gobox', { proxy: [{ cidr: '10.0.0.5/32', port: 443 }, { cidr: '10.0.0.6/32', port: 8443 }] }).spec!.egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.5/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      { to: [{ ipBlock: { cidr: '10.0.0.6/32' } }], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
    // No target known: nothing gets out, rather than everything.
    expect(networkPolicyFor(7, 'proxy', 'gobox').spec!.egress).toEqual([]);
    // The API's copy has its own key order and empty fields: the same policy all the same, not an update per run.
    const mine = networkPolicyFor(7, 'proxy', 'gobox', { proxy: [{ cidr: '10.0.0.5/32', port: 443 }] });
    const fromApi = { spec: { egress: [{ ports: [{ port: 443, protocol: 'TCP', endPort: undefined }], to: [{ ipBlock: { except: undefined, cidr: '10.0.0.5/32' } }] }] } };
    expect(sameEgress(mine, fromApi)).toBe(true);
    expect(sameEgress(mine, networkPolicyFor(7, 'proxy', 'gobox', { proxy: [{ cidr: '10.0.0.5/32', port: 8443 }] }))).toBe(false);
    const open = networkPolicyFor(7, 'open', 'gobox', { podCidr: '10.244.0.0/16' }).spec!.egress![0]!;
    expect(open.to![0]).toEqual({ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] } });
  });
});
