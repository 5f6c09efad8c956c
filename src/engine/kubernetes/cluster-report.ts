import type { KubeClients } from './client.js';
import { kubeCall, orMissing } from './errors.js';
import type { KubernetesEngineOptions } from './options.js';

/** What gobox needs to be allowed in its namespace; every one is asked with a SelfSubjectAccessReview. */
export const NEEDED_ACCESS = [
  { verb: 'create', resource: 'pods' },
  { verb: 'delete', resource: 'pods' },
  { verb: 'list', resource: 'pods' },
  { verb: 'create', resource: 'pods', subresource: 'exec' },
  { verb: 'create', resource: 'pods', subresource: 'attach' },
  // A helper pod's output (cache info, trim, clear) is read from its log.
  { verb: 'get', resource: 'pods', subresource: 'log' },
  { verb: 'create', resource: 'persistentvolumeclaims' },
  { verb: 'create', resource: 'networkpolicies', group: 'networking.k8s.io' },
  // Proxy mode's policy follows the module proxy's addresses.
  { verb: 'update', resource: 'networkpolicies', group: 'networking.k8s.io' },
] as const;

/** CNIs that enforce NetworkPolicy, by the name of their agent's pods in kube-system. */
const ENFORCING_CNI = /calico|cilium|kube-router|antrea|weave|canal/;

/** The facts doctor turns into findings: gobox's own types, no client-node type leaks out. */
export interface ClusterReport {
  server: string;
  via: string;
  version: string;
  namespace: { name: string; exists: boolean };
  access: { what: string; allowed: boolean }[];
  storageClasses: { name: string; isDefault: boolean; provisioner: string }[];
  storageClass?: string | undefined;
  /** PersistentVolumes free for a claim; undefined when the account may not list them. */
  availableVolumes?: number | undefined;
  toolchains: { kind: 'hostPath'; path: string } | { kind: 'claim'; name: string; phase?: string | undefined };
  /** A policy-enforcing CNI seen in kube-system, 'none' when none is there, undefined when gobox may not look. */
  networkPolicyEnforcer?: string | undefined;
  node?: { name: string; ready: boolean } | undefined;
}

export async function clusterReport(c: KubeClients, o: KubernetesEngineOptions, storeRoot: string): Promise<ClusterReport> {
  const call = <T>(what: string, fn: () => Promise<T>) => kubeCall(c.server, what, fn);
  const v = await call('read the API version', () => c.version.getCode());
  const ns = await orMissing(call(`read namespace ${o.namespace}`, () => c.core.readNamespace({ name: o.namespace })));
  const access = await Promise.all(NEEDED_ACCESS.map(async (a) => {
    const what = `${a.verb} ${a.resource}${'subresource' in a ? `/${a.subresource}` : ''}`;
    const review = await call(`review access to ${what}`, () => c.authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: o.namespace, verb: a.verb, resource: a.resource, ...('subresource' in a ? { subresource: a.subresource } : {}), ...('group' in a ? { group: a.group } : {}) } } } }));
    return { what, allowed: Boolean(review.status?.allowed) };
  }));
  const classes = await call('list storage classes', () => c.storage.listStorageClass()).then((l) => l.items, () => []);
  const pvs = await call('list persistent volumes', () => c.core.listPersistentVolume()).then((l) => l.items.filter((p) => p.status?.phase === 'Available').length, () => undefined);
  const t = o.toolchains ?? { hostPath: storeRoot };
  const toolchains = 'claim' in t
    ? { kind: 'claim' as const, name: t.claim, phase: (await orMissing(call(`read claim ${t.claim}`, () => c.core.readNamespacedPersistentVolumeClaim({ name: t.claim, namespace: o.namespace }))))?.status?.phase ?? 'missing' }
    : { kind: 'hostPath' as const, path: t.hostPath };
  const system = await call('list kube-system pods', () => c.core.listNamespacedPod({ namespace: 'kube-system' })).then((l) => l.items.map((p) => p.metadata?.name ?? ''), () => undefined);
  const enforcer = system === undefined ? undefined : (system.map((n) => ENFORCING_CNI.exec(n)?.[0]).find(Boolean) ?? 'none');
  const nodeObj = o.node ? await orMissing(call(`read node ${o.node}`, () => c.core.readNode({ name: o.node! }))).catch(() => undefined) : undefined;
  return {
    server: c.server,
    via: c.via,
    version: v.gitVersion,
    namespace: { name: o.namespace, exists: Boolean(ns) },
    access,
    storageClasses: classes.map((s) => ({ name: s.metadata?.name ?? '', isDefault: s.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true', provisioner: s.provisioner })),
    storageClass: o.storageClass,
    availableVolumes: pvs,
    toolchains,
    networkPolicyEnforcer: enforcer,
    node: o.node ? { name: o.node, ready: Boolean(nodeObj?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) } : undefined,
  };
}
