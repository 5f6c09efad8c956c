import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { SandboxSpec } from '../../sandbox/types.js';

/** A label value Kubernetes accepts: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
const LABEL_VALUE = /^(|[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)$/;

/** The sandbox's network as a label, so the user's NetworkPolicy (network-policy.ts) selects it. */
export function networkModeOf(network: string): 'none' | 'open' | 'proxy' {
  return network === 'none' ? 'none' : network === 'bridge' || network.startsWith('gobox-net-') ? 'open' : 'proxy';
}

/**
 * gobox's labels as they are on a container, split the way Kubernetes needs: values it accepts as
 * labels (owner, session, kind: what gc, admin and the reaper select on) stay labels; the others
 * (the command, times) become annotations under the same keys, so nothing is lost.
 */
export function podMetadata(spec: SandboxSpec, namespace: string): V1ObjectMeta {
  const labels: Record<string, string> = { 'gobox.network-mode': networkModeOf(spec.network) };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.labels)) {
    if (LABEL_VALUE.test(v)) labels[k] = v;
    else annotations[k] = v;
  }
  return { name: spec.name, namespace, labels, ...(Object.keys(annotations).length ? { annotations } : {}) };
}

/**
 * A listing filter as the API can take it: pairs whose value is a label value go in the label
 * selector; the others (a daemon's run dir, with slashes) are annotations on the pod
 * (podMetadata) and are matched on the listed pods instead, never sent as an invalid selector.
 */
export function podFilter(labels: Record<string, string>): { selector: string; byAnnotation: [string, string][] } {
  const pairs = Object.entries(labels);
  const inSelector = pairs.filter(([, v]) => LABEL_VALUE.test(v));
  return {
    selector: [['gobox.managed', 'true'], ...inSelector].map(([k, v]) => `${k}=${v}`).join(','),
    byAnnotation: pairs.filter(([, v]) => !LABEL_VALUE.test(v)),
  };
}
