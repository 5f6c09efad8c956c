import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensureTestUser } from '../helpers/users.js';
import { HELLO, makeModule, profileHome } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { cluster, core, hostConfigWith, k8sGobox, networking, NS, podsWith } from './cluster.js';

const user = () => shared.users[0]!;
/** A user of its own for the cache that finds no storage: its claim is removed again afterwards. */
const NO_STORAGE = { name: 'gobox-k8e-c', uid: 24322 };
const config = (extra: string) => hostConfigWith(`engine:\n  kind: kubernetes\n  kubeconfig: ${cluster.engineKubeconfig}\n  node: ${cluster.node}\n${extra}`);

/** One line on stderr, exit 125, within the time, and no pod of that user left. */
async function clearFailure(args: string[], o: { config: string; env?: Record<string, string>; dir?: string; as?: { name: string; uid: number; gid: number } }, within: number): Promise<string> {
  const who = o.as ?? user();
  const started = Date.now();
  const r = await k8sGobox(args, { cwd: o.dir ?? makeModule(HELLO, who), user: who.name, config: o.config, ...(o.env ? { env: o.env } : {}) });
  expect(Date.now() - started).toBeLessThan(within);
  expect(r.code).toBe(125);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(await podsWith({ 'gobox.owner': String(who.uid), 'gobox.kind': 'sandbox' })).toEqual([]);
  return r.stderr.trim();
}

describe('bad input on the Kubernetes engine', () => {
  afterAll(async () => {
    await core().deleteNamespacedPersistentVolumeClaim({ name: `gobox-cache-${NO_STORAGE.uid}`, namespace: NS }).catch(() => undefined);
    await networking().deleteCollectionNamespacedNetworkPolicy({ namespace: NS, labelSelector: `gobox.owner=${NO_STORAGE.uid}` }).catch(() => undefined);
  });

  it('a kubeconfig that is missing, or not a kubeconfig', async () => {
    expect(await clearFailure(['run', 'true'], { config: hostConfigWith('engine:\n  kind: kubernetes\n  kubeconfig: /nonexistent/kubeconfig\n') }, 10_000)).toMatch(/^gobox: engine\.kubeconfig: \/nonexistent\/kubeconfig does not exist$/);
    const junk = hostConfigWith('x');
    writeFileSync(junk, 'this: [is not\n');
    expect(await clearFailure(['run', 'true'], { config: hostConfigWith(`engine:\n  kind: kubernetes\n  kubeconfig: ${junk}\n`) }, 10_000)).toMatch(/engine\.kubeconfig: .* is not a readable kubeconfig/);
  });

  it('an API that is down', async () => {
    const down = hostConfigWith('x');
    writeFileSync(down, readFileSync(cluster.engineKubeconfig, 'utf8').replace(/server: https:\/\/[^\s]+/, 'server: https://127.0.0.1:6999'));
    expect(await clearFailure(['run', 'true'], { config: hostConfigWith(`engine:\n  kind: kubernetes\n  kubeconfig: ${down}\n`) }, 20_000)).toMatch(/Kubernetes API at https:\/\/127\.0\.0\.1:6999 unreachable while trying to read the API version: ECONNREFUSED/);
  });

  it('a namespace that does not exist', async () => {
    expect(await clearFailure(['run', 'true'], { config: config('  namespace: gobox-k8e-missing\n') }, 20_000)).toMatch(/namespace gobox-k8e-missing does not exist on the cluster/);
  });

  it('an account RBAC forbids pods', async () => {
    const nobody = path.join(path.dirname(inject('k8sAdminKubeconfig')), 'nobody.kubeconfig');
    expect(existsSync(nobody), `${nobody} (made by scripts/setup-k8s.sh up)`).toBe(true);
    const copy = hostConfigWith('x');
    writeFileSync(copy, readFileSync(nobody, 'utf8'));
    const line = await clearFailure(['run', 'true'], { config: hostConfigWith(`engine:\n  kind: kubernetes\n  kubeconfig: ${copy}\n  node: ${cluster.node}\n`) }, 20_000);
    expect(line).toMatch(/not allowed to .* \(RBAC\): .*forbidden/);
  });

  it('a project over the sync limit: refused before any pod exists', async () => {
    const dir = makeModule({ ...HELLO, 'big.bin': 'z'.repeat(300_000) });
    expect(await clearFailure(['run', 'true'], { config: config('  syncLimit: 256k\n'), dir }, 20_000)).toMatch(/holds more than 256.*sync limit of the kubernetes engine.*engine\.syncLimit/);
  });

  it('an image that is not on the node: fails at once, not after the start timeout', async () => {
    const home = profileHome({ noimage: 'image: gobox-k8e-missing:1\n' }, user());
    const line = await clearFailure(['-p', 'noimage', 'run', 'true'], { config: config('  startTimeout: 120s\n'), env: { XDG_CONFIG_HOME: home } }, 60_000);
    expect(line).toMatch(/cannot start: container \w+: ErrImageNeverPull \(image gobox-k8e-missing:1 is not on the node/);
  });

  it('no storage for a new user\'s cache: a clear reason after the start timeout, and only the cache claim stays', async () => {
    ensureTestUser(NO_STORAGE, { docker: false });
    const gid = Number(execFileSync('id', ['-g', NO_STORAGE.name], { encoding: 'utf8' }).trim());
    const as = { ...NO_STORAGE, gid };
    await core().deleteNamespacedPersistentVolumeClaim({ name: `gobox-cache-${as.uid}`, namespace: NS }).catch(() => undefined);
    const line = await clearFailure(['run', 'true'], { config: config('  storageClass: gobox-k8e-nothing\n  startTimeout: 8s\n'), as }, 60_000);
    expect(line).toMatch(/still Pending after 8s: no storage for the cache: claim gobox-cache-24322 is Pending/);
  });
});
