import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HELLO, makeModule } from '../helpers/gobox.js';
import { core, k8sGobox, NS, podsWith } from './cluster.js';
import { dropK8cState, k8cUser } from './k8c-users.js';
import { quantityBytes } from '../../src/engine/kubernetes/volumes.js';

const user = () => k8cUser(2);

/** The witness: the claim's volume directory on this (the only) node, measured by the host's du. */
async function volumeDir(uid: number): Promise<string> {
  const pvc = await core().readNamespacedPersistentVolumeClaim({ name: `gobox-cache-${uid}`, namespace: NS });
  const pv = await core().readPersistentVolume({ name: pvc.spec!.volumeName! });
  const dir = pv.spec!.local?.path ?? pv.spec!.hostPath?.path;
  if (!dir) throw new Error(`volume ${pv.metadata!.name} has no local path`);
  return dir;
}
const duBytes = (dir: string) => Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) * 1024;

interface Info { uid: number; volume: string; usedBytes: number; buildBytes: number; modBytes: number }

describe('gobox cache on a Kubernetes cluster (a helper pod on the user\'s claim)', () => {
  afterAll(() => dropK8cState([user().uid]));

  it('cache info measures the claim as its owner; trim drops the oldest build entries; clear empties it; no helper pod stays', async () => {
    const u = user();
    const dir = makeModule(HELLO, u);
    // Two 3 MB build entries an hour apart, and a module tree.
    const fill = 'mkdir -p /gobox/cache/build/aa /gobox/cache/build/bb /gobox/cache/mod/example.com/m@v1.0.0 && head -c 3000000 /dev/urandom > /gobox/cache/build/aa/old-d && touch -d "@$(( $(date +%s) - 3600 ))" /gobox/cache/build/aa/old-d && head -c 3000000 /dev/urandom > /gobox/cache/build/bb/new-d && head -c 500000 /dev/urandom > /gobox/cache/mod/example.com/m@v1.0.0/x.go';
    const r = await k8sGobox(['run', 'sh', '-c', fill], { cwd: dir, user: u.name });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const vol = await volumeDir(u.uid);

    const info = await k8sGobox(['cache', 'info', '--json'], { cwd: dir, user: u.name });
    expect(info.stderr).toBe('');
    expect(info.code).toBe(0);
    const mine = JSON.parse(info.stdout) as Info;
    expect(mine).toMatchObject({ uid: u.uid, volume: `gobox-cache-${u.uid}`, buildBytes: duBytes(path.join(vol, 'build')), modBytes: duBytes(path.join(vol, 'mod')), usedBytes: duBytes(vol) });
    expect(mine.buildBytes).toBeGreaterThan(6_000_000);
    // Root asks for the same user's cache, and gets the same figures.
    const asRoot = await k8sGobox(['cache', 'info', '--user', String(u.uid), '--json'], { cwd: '/' });
    expect(asRoot.code).toBe(0);
    expect(JSON.parse(asRoot.stdout) as Info).toMatchObject({ uid: u.uid, buildBytes: mine.buildBytes });
    // admin quota measures the claim the same way, against the claim's size.
    const quota = await k8sGobox(['admin', 'quota', '--json'], { cwd: '/' });
    expect(quota.code, quota.stderr).toBe(0);
    const claim = await core().readNamespacedPersistentVolumeClaim({ name: `gobox-cache-${u.uid}`, namespace: NS });
    expect((JSON.parse(quota.stdout) as { uid: number; usedBytes?: number; limitBytes?: number }[]).find((q) => q.uid === u.uid)).toMatchObject({
      usedBytes: mine.usedBytes, limitBytes: quantityBytes(claim.spec!.resources!.requests!.storage),
    });

    const trim = await k8sGobox(['cache', 'trim', '--to', String(mine.usedBytes - 1_000_000)], { cwd: dir, user: u.name });
    expect(trim.code).toBe(0);
    expect(trim.stdout).toMatch(new RegExp(`gobox-cache-${u.uid}: .* -> .*`));
    expect(existsSync(path.join(vol, 'build', 'aa', 'old-d'))).toBe(false);
    expect(existsSync(path.join(vol, 'build', 'bb', 'new-d'))).toBe(true);

    const clear = await k8sGobox(['cache', 'clear'], { cwd: dir, user: u.name });
    expect(clear.code).toBe(0);
    expect(clear.stdout.trim()).toBe(`cache of uid ${u.uid} cleared`);
    expect(existsSync(path.join(vol, 'build', 'bb', 'new-d'))).toBe(false);
    expect(existsSync(path.join(vol, 'mod', 'example.com'))).toBe(false);
    const after = JSON.parse((await k8sGobox(['cache', 'info', '--json'], { cwd: dir, user: u.name })).stdout) as Info;
    expect(after.buildBytes).toBe(duBytes(path.join(vol, 'build')));
    expect(after.buildBytes).toBeLessThan(100_000);
    expect(await podsWith({ 'gobox.kind': 'helper', 'gobox.owner': String(u.uid) })).toEqual([]);
  });

  it('a user without a claim yet is told so in one line', async () => {
    const r = await k8sGobox(['cache', 'info', '--user', '24359', '--json'], { cwd: '/' });
    expect(r.code).toBe(125);
    expect(r.stderr.trim()).toMatch(/^gobox: .*uid 24359 has no cache yet \(gobox-cache-24359 is made by the first gobox run\)$/);
  });
});
