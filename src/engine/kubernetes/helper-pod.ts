import type { V1ContainerStateTerminated, V1Pod } from '@kubernetes/client-node';
import { GoboxError, NotFoundError } from '../../common/errors.js';
import type { KubeClients } from './client.js';
import { kubeCall } from './errors.js';
import { deletePod } from './kubernetes-sandbox.js';
import { hopeless, pendingReason } from './pod-start.js';
import { SANDBOX_CONTAINER } from './sync-sidecar.js';

/** A helper walks one user's cache: minutes at most; past this it is stopped. */
export const HELPER_RUN_MS = 10 * 60_000;
/** As a helper container's log is capped on a local engine. */
const LOG_CAP = 1024 ** 2;
const POLL_MS = 250;

/** Follows a helper pod to its end: its container's terminated state, or why it never got there. */
async function waitForEnd(c: KubeClients, ns: string, name: string, startTimeoutMs: number): Promise<V1ContainerStateTerminated> {
  const started = Date.now();
  let ranSince: number | undefined;
  for (;;) {
    const pod = await kubeCall(c.server, `read pod ${name}`, () => c.core.readNamespacedPod({ name, namespace: ns }));
    const status = pod.status?.containerStatuses?.find((s) => s.name === SANDBOX_CONTAINER);
    if (status?.state?.terminated) return status.state.terminated;
    const bad = hopeless(pod.status?.containerStatuses);
    if (bad) throw new GoboxError(`the helper pod ${name} cannot start: ${bad}`);
    const phase = pod.status?.phase;
    if (phase === 'Failed' || phase === 'Succeeded') throw new GoboxError(`the helper pod ${name} ended without its container's status (${phase}${pod.status?.reason ? `: ${pod.status.reason}` : ''})`);
    if (status?.state?.running) ranSince ??= Date.now();
    if (!ranSince && Date.now() - started > startTimeoutMs) throw new GoboxError(`the helper pod ${name} was still ${phase ?? 'Pending'} after ${Math.round(startTimeoutMs / 1000)}s: ${await pendingReason(c, ns, pod)} (engine.startTimeout)`);
    if (ranSince && Date.now() - ranSince > HELPER_RUN_MS) throw new GoboxError(`the helper pod ${name} did not finish within ${HELPER_RUN_MS / 60_000} minutes`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Runs a helper pod (pod.ts compileHelperPod) to its end and returns its exit code and output
 * (stdout and stderr together, as a helper container's log is on a local engine). The pod is
 * deleted on every path; one left by a gobox that died is swept by gc like a helper container.
 */
export async function runHelperPod(c: KubeClients, ns: string, pod: V1Pod, startTimeoutMs: number): Promise<{ exitCode: number; output: string }> {
  const name = pod.metadata!.name!;
  await kubeCall(c.server, `create pod ${name}`, () => c.core.createNamespacedPod({ namespace: ns, body: pod })).catch((e: unknown) => {
    throw e instanceof NotFoundError ? new GoboxError(`namespace ${ns} does not exist on the cluster (engine.namespace): ${e.message}`) : e;
  });
  try {
    const end = await waitForEnd(c, ns, name, startTimeoutMs);
    const output = await kubeCall(c.server, `read the log of pod ${name}`, () => c.core.readNamespacedPodLog({ name, namespace: ns, container: SANDBOX_CONTAINER, limitBytes: LOG_CAP }));
    return { exitCode: end.exitCode, output: typeof output === 'string' ? output : String(output ?? '') };
  } finally {
    await deletePod(c, ns, name);
  }
}
