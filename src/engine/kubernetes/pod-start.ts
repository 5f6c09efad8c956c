import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { GoboxError } from '../../common/errors.js';
import type { KubeClients } from './client.js';
import { kubeCall, orMissing } from './errors.js';

/** Waiting reasons that no amount of waiting fixes: the run fails at once with them. */
const HOPELESS = new Set(['ErrImageNeverPull', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError', 'CrashLoopBackOff']);
const POLL_MS = 250;

/** A container's problem, if it has one that will not go away. Pure, for tests. */
export function hopeless(statuses: V1ContainerStatus[] | undefined): string | undefined {
  for (const s of statuses ?? []) {
    const w = s.state?.waiting;
    if (w?.reason && HOPELESS.has(w.reason)) {
      const image = w.reason === 'ErrImageNeverPull' ? ` (image ${s.image} is not on the node and imagePullPolicy is Never: import it on the node)` : '';
      return `container ${s.name}: ${w.reason}${image}${w.message && !image ? `: ${w.message}` : ''}`;
    }
  }
  return undefined;
}

function allRunning(pod: V1Pod): boolean {
  const st = pod.status?.containerStatuses ?? [];
  return st.length === (pod.spec?.containers.length ?? 0) && st.every((s) => s.state?.running);
}

/**
 * Waits until every container of the pod runs, or says why it does not within the time: a
 * hopeless container (image missing), a pod that ended, or what still holds it Pending (an
 * unbound cache claim, no node, the pod's latest event).
 */
export async function waitForRunning(c: KubeClients, ns: string, name: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pod = await kubeCall(c.server, `read pod ${name}`, () => c.core.readNamespacedPod({ name, namespace: ns }));
    if (allRunning(pod)) return;
    const bad = hopeless(pod.status?.containerStatuses);
    if (bad) throw new GoboxError(`the sandbox pod ${name} cannot start: ${bad}`);
    const phase = pod.status?.phase;
    if (phase === 'Failed' || phase === 'Succeeded') throw new GoboxError(`the sandbox pod ${name} ended before it ran (${phase}${pod.status?.reason ? `: ${pod.status.reason}` : ''}${pod.status?.message ? ` ${pod.status.message}` : ''})`);
    if (Date.now() > end) throw new GoboxError(`the sandbox pod ${name} was still ${phase ?? 'Pending'} after ${Math.round(timeoutMs / 1000)}s: ${await pendingReason(c, ns, pod)} (engine.startTimeout)`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function pendingReason(c: KubeClients, ns: string, pod: V1Pod): Promise<string> {
  for (const v of pod.spec?.volumes ?? []) {
    const claim = v.persistentVolumeClaim?.claimName;
    if (!claim) continue;
    const pvc = await orMissing(kubeCall(c.server, `read claim ${claim}`, () => c.core.readNamespacedPersistentVolumeClaim({ name: claim, namespace: ns })));
    if (!pvc) return `its volume claim ${claim} does not exist`;
    if (pvc.status?.phase !== 'Bound') {
      return `no storage for the cache: claim ${claim} is ${pvc.status?.phase ?? 'Pending'} (no storage class or free volume serves it${pvc.spec?.storageClassName ? `; class ${pvc.spec.storageClassName}` : ''}; set engine.storageClass or give the cluster a default one)`;
    }
  }
  if (!pod.spec?.nodeName) return 'no node was assigned (no scheduler, or no node fits; set engine.node to pin pods)';
  const events = await kubeCall(c.server, 'read pod events', () => c.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${pod.metadata!.name!}` })).catch(() => undefined);
  const last = events?.items.sort((a, b) => String(a.lastTimestamp ?? a.eventTime ?? '').localeCompare(String(b.lastTimestamp ?? b.eventTime ?? ''))).at(-1);
  const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting)?.state?.waiting;
  return last?.message ? `${last.reason ?? 'event'}: ${last.message}` : waiting?.reason ? `container waiting: ${waiting.reason}` : `node ${pod.spec.nodeName} has not started it`;
}
