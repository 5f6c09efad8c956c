import type { V1NetworkPolicy } from '@kubernetes/client-node';

/** Where proxy mode's pods may go: the module proxy (and host config's proxy.allow), by address and port. */
export interface ProxyTarget {
  cidr: string;
  port: number;
}

/**
 * The NetworkPolicy for one user's pods of one network mode. Every mode: ingress only from the
 * same user's pods, so no pod-to-pod traffic between users. Egress: none denies all; proxy allows
 * only the module proxy; open allows everything outside the cluster's pod network plus the user's
 * own pods. Whether the cluster's CNI enforces it is for doctor to find out, not to assume.
 */
export function networkPolicyFor(uid: number, mode: 'none' | 'open' | 'proxy', namespace: string, o: { podCidr?: string; proxy?: ProxyTarget[] } = {}): V1NetworkPolicy {
  const mine = { matchLabels: { 'gobox.owner': String(uid), 'gobox.kind': 'sandbox' } };
  const sameUser = [{ podSelector: mine }];
  const egress =
    mode === 'none'
      ? []
      : mode === 'proxy'
        ? (o.proxy ?? []).map((t) => ({ to: [{ ipBlock: { cidr: t.cidr } }], ports: [{ protocol: 'TCP', port: t.port }] }))
        : [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', ...(o.podCidr ? { except: [o.podCidr] } : {}) } }, ...sameUser] }];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `gobox-${mode}-${uid}`, namespace, labels: { 'gobox.managed': 'true', 'gobox.kind': 'network', 'gobox.owner': String(uid), 'gobox.network-mode': mode } },
    spec: {
      podSelector: { matchLabels: { ...mine.matchLabels, 'gobox.network-mode': mode } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ _from: sameUser }],
      egress,
    },
  };
}

/**
 * The one policy for every helper pod of the namespace (cache measure, trim, clear): no traffic
 * in or out, as a helper container gets no network on a local engine. Helpers are not sandboxes
 * (kind "helper"), so no user's sandbox policy selects them.
 */
export function helperNetworkPolicy(namespace: string): V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'gobox-helpers', namespace, labels: { 'gobox.managed': 'true', 'gobox.kind': 'network' } },
    spec: { podSelector: { matchLabels: { 'gobox.managed': 'true', 'gobox.kind': 'helper' } }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] },
  };
}

/** Whether two policies let out the same: compared as data (key order and absent fields aside), as the API returns it. */
export function sameEgress(a: V1NetworkPolicy, b: V1NetworkPolicy): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical)
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([k1], [k2]) => k1.localeCompare(k2)).map(([k, x]) => [k, canonical(x)]))
        : v;
  return JSON.stringify(canonical(a.spec?.egress ?? [])) === JSON.stringify(canonical(b.spec?.egress ?? []));
}
