import { afterAll, describe, expect, it } from 'vitest';
import { collect, HELLO, makeModule, spawnGobox } from '../helpers/gobox.js';
import { cluster, core, k8sGobox, NS, podsWith } from './cluster.js';
import { dropK8cState, k8cUser } from './k8c-users.js';

const user = () => k8cUser(1);

/** A user's sandbox pod once its command runs (the user's gobox runs under runuser: its pid is not the child's). */
async function runningPodOf(uid: number): Promise<string> {
  const end = Date.now() + 90_000;
  while (Date.now() < end) {
    const name = (await podsWith({ 'gobox.owner': String(uid), 'gobox.kind': 'sandbox' }))[0];
    const pod = name ? await core().readNamespacedPod({ name, namespace: NS }).catch(() => undefined) : undefined;
    if (name && pod?.status?.containerStatuses?.every((s) => s.state?.running)) return name;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no running pod of user ${uid}`);
}

describe('gobox admin on a Kubernetes cluster', () => {
  afterAll(() => dropK8cState([user().uid]));

  it('admin ps names a pod by its whole name, and admin kill takes that name', async () => {
    const u = user();
    const child = spawnGobox(['run', 'sleep', '600'], { cwd: makeModule(HELLO, u), user: u.name, env: { GOBOX_CONFIG: cluster.hostConfig } });
    const done = collect(child, { timeoutMs: 150_000 });
    const pod = await runningPodOf(u.uid);
    expect(pod.length).toBeGreaterThan(12);
    const ps = await k8sGobox(['admin', 'ps', '--json'], { cwd: '/' });
    expect(ps.code).toBe(0);
    const rows = JSON.parse(ps.stdout) as { id: string; user: string; uid: number; command: string }[];
    expect(rows.find((r) => r.uid === u.uid)).toMatchObject({ id: pod, user: u.name, command: 'sleep 600' });
    const table = await k8sGobox(['admin', 'ps'], { cwd: '/' });
    expect(table.stdout).toContain(pod);
    const kill = await k8sGobox(['admin', 'kill', pod], { cwd: '/' });
    expect(kill.code).toBe(0);
    expect(kill.stdout).toContain(`killed ${pod}\n`);
    const r = await done;
    expect(r.code).toBe(137);
    expect(await podsWith({ 'gobox.owner': String(u.uid), 'gobox.kind': 'sandbox' })).toEqual([]);
  });
});
