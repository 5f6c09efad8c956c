import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensureTestUser } from '../helpers/users.js';
import { REPO } from '../helpers/gobox.js';
import { core, networking, NS } from './cluster.js';

/** Users of their own for the files, admin and cache tests (uids 24340-24359): no other file's state is touched. */
const K8C = [
  { name: 'gobox-k8c-a', uid: 24340 },
  { name: 'gobox-k8c-b', uid: 24341 },
  { name: 'gobox-k8c-c', uid: 24342 },
  { name: 'gobox-k8c-d', uid: 24343 },
  { name: 'gobox-k8c-e', uid: 24344 },
  { name: 'gobox-k8c-f', uid: 24345 },
];

export function k8cUser(i: number): { name: string; uid: number; gid: number } {
  const u = K8C[i]!;
  ensureTestUser(u, { docker: false });
  return { ...u, gid: Number(execFileSync('id', ['-g', u.name], { encoding: 'utf8' }).trim()) };
}

/**
 * Removes what these users left on the cluster: their cache claims (then their volumes are made
 * Available again by setup-k8s.sh reclaim, so a test run does not use up the test cluster's 20
 * volumes) and their NetworkPolicies.
 */
export async function dropK8cState(uids: number[]): Promise<void> {
  for (const uid of uids) {
    await core().deleteNamespacedPersistentVolumeClaim({ name: `gobox-cache-${uid}`, namespace: NS }).catch(() => undefined);
    await networking().deleteCollectionNamespacedNetworkPolicy({ namespace: NS, labelSelector: `gobox.owner=${uid}` }).catch(() => undefined);
  }
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    const left = (await core().listNamespacedPersistentVolumeClaim({ namespace: NS })).items.filter((c) => uids.some((u) => c.metadata?.name === `gobox-cache-${u}`));
    if (!left.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  execFileSync('bash', [path.join(REPO, 'scripts', 'setup-k8s.sh'), 'reclaim'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
