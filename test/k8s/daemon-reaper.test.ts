import { afterAll, describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { HELLO, makeModule } from '../helpers/gobox.js';
import { cluster, core, NS, podsWith } from './cluster.js';
import { dropK8cState, k8cUser } from './k8c-users.js';

const user = () => k8cUser(3);

/** A sandbox pod as a daemon leaves it when its client is gone: its run dir (not a label value) is an annotation, as pod metadata puts it. */
function leftover(name: string, daemonKey: string, conn: string, uid: number): V1Pod {
  return {
    metadata: { name, namespace: NS, labels: { 'gobox.managed': 'true', 'gobox.kind': 'sandbox', 'gobox.owner': String(uid), 'gobox.daemon-conn': conn }, annotations: { 'gobox.daemon': daemonKey } },
    spec: {
      nodeName: cluster.node, restartPolicy: 'Never', automountServiceAccountToken: false, enableServiceLinks: false,
      securityContext: { runAsUser: uid, runAsGroup: uid, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'sandbox', image: 'gobox-base:bookworm', imagePullPolicy: 'Never', command: ['sleep', '600'], securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } }],
    },
  };
}

describe('the daemon on a Kubernetes cluster', () => {
  let d: TestDaemon | undefined;
  const suffix = Date.now().toString(36);
  const other = `gobox-k8c-other-${suffix}`;
  afterAll(async () => {
    await d?.stop();
    await core().deleteNamespacedPod({ name: other, namespace: NS, gracePeriodSeconds: 0 }).catch(() => undefined);
    await dropK8cState([user().uid]);
  });

  it('reaps its own pods whose client connection is gone, and leaves another daemon\'s alone', async () => {
    const u = user();
    const config = `serve:\n  users: [${u.name}]\nengine:\n  kind: kubernetes\n  kubeconfig: ${cluster.engineKubeconfig}\n  namespace: ${NS}\n  node: ${cluster.node}\n  startTimeout: 60s\n`;
    d = await startTestDaemon([u.name], config);
    const mine = `gobox-k8c-reap-${suffix}`;
    await core().createNamespacedPod({ namespace: NS, body: leftover(mine, d.runDir, 'c0ffee000001', u.uid) });
    await core().createNamespacedPod({ namespace: NS, body: leftover(other, '/run/another-daemon', 'c0ffee000002', u.uid) });
    // At start-up no connection is live: a previous daemon's sandboxes go.
    await d.restart();
    const end = Date.now() + 60_000;
    while ((await podsWith({ 'gobox.daemon-conn': 'c0ffee000001' })).length && Date.now() < end) await new Promise((r) => setTimeout(r, 500));
    expect(await podsWith({ 'gobox.daemon-conn': 'c0ffee000001' })).toEqual([]);
    expect(await podsWith({ 'gobox.daemon-conn': 'c0ffee000002' })).toEqual([other]);
    const reaped = d.audit().filter((e) => e.event === 'reaped');
    expect(reaped).toEqual([expect.objectContaining({ uid: u.uid, session: 'c0ffee000001', container: mine, why: 'its client connection is gone' })]);
    expect(d.log()).not.toMatch(/cannot reconcile/);
  });

  it('refuses a run in one line, before anything is made on the cluster', async () => {
    const u = user();
    const r = await d!.run(u.name, ['run', 'true'], { cwd: makeModule(HELLO, u) });
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the gobox daemon does not run sandboxes on the Kubernetes engine .*as root, not as you/);
    // Only the other daemon's leftover of the first test is there: this run made no pod.
    expect(await podsWith({ 'gobox.owner': String(u.uid), 'gobox.kind': 'sandbox' })).toEqual([other]);
    // Grading would copy students' dirs into pods as root too: refused the same way, before any class is read.
    const grade = await d!.run(u.name, ['class', 'run', 'any-class', '--', 'go', 'test', './...'], { cwd: '/' });
    expect(grade.code).toBe(125);
    expect(grade.stderr.trim().split('\n')).toHaveLength(1);
    expect(grade.stderr).toMatch(/the gobox daemon does not grade a class on the Kubernetes engine .*as root, not as you/);
  });
});
