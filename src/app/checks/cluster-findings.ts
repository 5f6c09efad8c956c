import { existsSync } from 'node:fs';
import type { ClusterReport } from '../../engine/index.js';
import type { Finding } from './doctor.js';

const ok = (check: string, detail: string): Finding => ({ check, status: 'ok', detail, fix: '' });

/**
 * Doctor on a cluster: the API, the namespace, what gobox may do there, where caches get
 * storage, where the toolchains come from, and whether NetworkPolicy holds. Enforcement is not
 * probed: a CNI gobox knows to enforce is named, any other is said not to enforce.
 */
export function clusterFindings(r: ClusterReport): Finding[] {
  const f: Finding[] = [ok('kubernetes api', `Kubernetes ${r.version} at ${r.server}, found via ${r.via}`)];
  f.push(r.namespace.exists
    ? ok('namespace', `${r.namespace.name} exists`)
    : { check: 'namespace', status: 'fail', detail: `namespace ${r.namespace.name} does not exist`, fix: `kubectl create namespace ${r.namespace.name}, or set engine.namespace` });
  const denied = r.access.filter((a) => !a.allowed).map((a) => a.what);
  f.push(denied.length
    ? { check: 'rbac', status: 'fail', detail: `not allowed in ${r.namespace.name}: ${denied.join(', ')}`, fix: 'bind the account to a Role that grants these verbs (docs/kubernetes.md)' }
    : ok('rbac', `allowed in ${r.namespace.name}: ${r.access.map((a) => a.what).join(', ')}`));
  f.push(storageFinding(r));
  f.push(toolchainFinding(r));
  if (r.node) f.push(r.node.ready ? ok('node', `pods are pinned to ${r.node.name}, which is Ready`) : { check: 'node', status: 'fail', detail: `node ${r.node.name} (engine.node) is missing or not Ready`, fix: 'start the node, or set engine.node to a Ready one' });
  f.push(networkPolicyFinding(r));
  return f;
}

function storageFinding(r: ClusterReport): Finding {
  const named = r.storageClass ? r.storageClasses.find((s) => s.name === r.storageClass) : r.storageClasses.find((s) => s.isDefault);
  if (named) return ok('storage', `cache claims use storage class ${named.name} (${named.provisioner})`);
  if (r.storageClass) return { check: 'storage', status: 'fail', detail: `storage class ${r.storageClass} (engine.storageClass) does not exist`, fix: 'create it, or name an existing class' };
  if (r.availableVolumes) return ok('storage', `no default storage class; ${r.availableVolumes} pre-made PersistentVolume(s) are free for cache claims`);
  return {
    check: 'storage',
    status: 'warn',
    detail: `no default storage class${r.availableVolumes === 0 ? ' and no free PersistentVolume' : ''}: a new user's cache claim stays Pending and the run fails after engine.startTimeout`,
    fix: 'give the cluster a default storage class, set engine.storageClass, or pre-create PersistentVolumes',
  };
}

function toolchainFinding(r: ClusterReport): Finding {
  const t = r.toolchains;
  if (t.kind === 'claim') {
    return t.phase === 'Bound' ? ok('toolchain volume', `claim ${t.name} is Bound (mounted read-only by subPath)`) : { check: 'toolchain volume', status: 'fail', detail: `toolchain claim ${t.name} is ${t.phase ?? 'missing'}`, fix: 'create a ReadOnlyMany claim holding the toolchain store' };
  }
  // Only this host can be looked at; every node needs the same store at the same path.
  return existsSync(t.path)
    ? ok('toolchain volume', `hostPath ${t.path} (the store on this host; every node must have the same path)`)
    : { check: 'toolchain volume', status: 'warn', detail: `hostPath ${t.path} is not on this host; gobox cannot see whether the nodes have it`, fix: 'make the store available at that path on every node, or use engine.toolchains.claim' };
}

function networkPolicyFinding(r: ClusterReport): Finding {
  const e = r.networkPolicyEnforcer;
  if (e && e !== 'none') return { check: 'network policy', status: 'ok', detail: `${e} runs in kube-system and enforces NetworkPolicy (not verified by a probe)`, fix: '' };
  return {
    check: 'network policy',
    status: 'warn',
    detail: e === 'none'
      ? 'not enforced by this CNI: no NetworkPolicy-enforcing network plugin runs in kube-system, so network mode none and pod isolation between users do not hold'
      : 'not verified: gobox may not list kube-system pods to see the network plugin, so network modes may not hold',
    fix: 'install a CNI that enforces NetworkPolicy (e.g. Calico or Cilium) before relying on network: none',
  };
}
