import { describe, expect, it } from 'vitest';
import type { ClusterReport } from '../../engine/index.js';
import { clusterFindings } from './cluster-findings.js';

const base: ClusterReport = {
  server: 'https://10.0.0.1:6443',
  via: 'kubeconfig /k',
  version: 'v1.34.4',
  namespace: { name: 'gobox', exists: true },
  access: [{ what: 'create pods', allowed: true }, { what: 'create pods/exec', allowed: true }],
  storageClasses: [{ name: 'local', isDefault: true, provisioner: 'rancher.io/local-path' }],
  toolchains: { kind: 'hostPath', path: '/' },
  networkPolicyEnforcer: 'calico',
};
const by = (r: ClusterReport, check: string) => clusterFindings(r).find((f) => f.check === check)!;

describe('doctor on a cluster', () => {
  it('is all ok on a cluster that has what gobox needs', () => {
    expect(clusterFindings(base).filter((f) => f.status !== 'ok')).toEqual([]);
  });

  it('fails a missing namespace and a denied verb, with the fix', () => {
    expect(by({ ...base, namespace: { name: 'gobox', exists: false } }, 'namespace')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/kubectl create namespace gobox/) });
    expect(by({ ...base, access: [{ what: 'create pods', allowed: false }] }, 'rbac')).toMatchObject({ status: 'fail', detail: 'not allowed in gobox: create pods' });
  });

  it('says honestly when NetworkPolicy is not enforced, or not known', () => {
    expect(by({ ...base, networkPolicyEnforcer: 'none' }, 'network policy')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^not enforced by this CNI/) });
    expect(by({ ...base, networkPolicyEnforcer: undefined }, 'network policy')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^not verified/) });
  });

  it('warns when a cache claim would find no storage, unless volumes are pre-made', () => {
    expect(by({ ...base, storageClasses: [], availableVolumes: 0 }, 'storage')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/stays Pending/) });
    expect(by({ ...base, storageClasses: [], availableVolumes: 3 }, 'storage').status).toBe('ok');
    expect(by({ ...base, storageClass: 'fast' }, 'storage')).toMatchObject({ status: 'fail' });
  });
});
