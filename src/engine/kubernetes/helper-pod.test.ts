import { describe, expect, it } from 'vitest';
import type { HelperCaller } from '../../common/helper-caller.js';
import { SCAN_SCRIPT } from '../../cache/index.js';
import { cacheChownSpec, cacheMoveSpec, cacheScriptSpec, imageFileReaderSpec } from '../../sandbox/helper-spec.js';
import { helperNetworkPolicy } from './network-policy.js';
import { compileHelperPod, type PodOptions } from './pod.js';

const CALLER: HelperCaller = { id: 'mj2k3x-ab12cd', uid: 0, gid: 0, processLabels: { 'gobox.pid': '4242', 'gobox.created': '2026-12-02T03:04:05.000Z' } };
const OPTS: PodOptions = { namespace: 'gobox', toolchains: { hostPath: '/var/lib/gobox/toolchains', storeRoot: '/var/lib/gobox/toolchains' }, timeoutMs: 600_000, cacheBytes: 1024 ** 3, nodeName: 'n1', imagePullPolicy: 'Never' };

describe('compileHelperPod: a cache helper as a pod', () => {
  const c = compileHelperPod(cacheScriptSpec('gobox-base:bookworm', 'gobox-cache-24340', { uid: 24340, gid: 24340 }, SCAN_SCRIPT, ['a$b'], CALLER), OPTS);
  const pod = c.pod;
  const box = pod.spec!.containers[0]!;

  it('runs as the cache\'s owner under a sandbox pod\'s security context, with a deadline', () => {
    expect(pod.spec!.securityContext).toMatchObject({ runAsUser: 24340, runAsGroup: 24340, runAsNonRoot: true, fsGroup: 24340, seccompProfile: { type: 'RuntimeDefault' } });
    expect(box.securityContext).toMatchObject({ runAsUser: 24340, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(pod.spec).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, enableServiceLinks: false, activeDeadlineSeconds: 660, nodeName: 'n1' });
    expect(box.resources!.limits).toMatchObject({ memory: String(256 * 1024 ** 2), cpu: '1000m' });
  });

  it('mounts only the user\'s cache claim, and runs its script at once: no gate, no sync container, every $ kept', () => {
    expect(pod.spec!.containers).toHaveLength(1);
    expect(pod.spec!.shareProcessNamespace).toBeUndefined();
    expect(box.command).toEqual(['sh', '-c', SCAN_SCRIPT.split('$').join('$$'), 'gobox-cache', 'a$$b']);
    expect(box.stdin).toBe(false);
    expect(pod.spec!.volumes).toEqual([{ name: 'cache-0', persistentVolumeClaim: { claimName: 'gobox-cache-24340', readOnly: false } }]);
    expect(box.volumeMounts).toEqual([{ name: 'cache-0', mountPath: '/v', readOnly: false }]);
    expect(c.synced).toEqual([]);
  });

  it('is named and labelled as a helper of this process, so gc sweeps it and no sandbox policy selects it', () => {
    expect(pod.metadata!.name).toBe('gobox-helper-mj2k3x-ab12cd');
    expect(pod.metadata!.labels).toMatchObject({ 'gobox.kind': 'helper', 'gobox.owner': '24340', 'gobox.pid': '4242', 'gobox.managed': 'true' });
    expect(helperNetworkPolicy('gobox').spec).toEqual({ podSelector: { matchLabels: { 'gobox.managed': 'true', 'gobox.kind': 'helper' } }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
  });

  it('refuses helpers a pod cannot be: root (the cache chown), host paths (the move into a hard cache)', () => {
    expect(() => compileHelperPod(cacheChownSpec('img', 'gobox-cache-1', { uid: 1, gid: 1 }, CALLER), OPTS)).toThrow(/never runs as root/);
    expect(() => compileHelperPod(cacheMoveSpec('img', 'gobox-cache-1', '/var/lib/gobox/caches/1/mnt', { uid: 1, gid: 1 }, CALLER), OPTS)).toThrow(/mounts host paths \(\/var\/lib\/gobox\/caches\/1\/mnt\)/);
    expect(compileHelperPod(imageFileReaderSpec('img', '/etc/ssl/certs/ca-certificates.crt', CALLER), OPTS).pod.spec!.containers[0]!.command).toEqual(['cat', '/etc/ssl/certs/ca-certificates.crt']);
  });
});
