import { mkdirSync, readFileSync, existsSync, symlinkSync, writeFileSync, chownSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELLO, makeModule } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { core, k8sGobox, NS } from './cluster.js';

describe('caches and files on a Kubernetes cluster', () => {
  it('keeps a user\'s cache claim across runs, one per user, owned by that user', async () => {
    const [a, b] = shared.users;
    const token = `t${Date.now()}`;
    const dirA = makeModule(HELLO, a);
    const write = await k8sGobox(['run', 'sh', '-c', `echo ${token} > /gobox/cache/k8e-token && stat -c %u /gobox/cache/k8e-token`], { cwd: dirA, user: a!.name });
    expect(write.stdout.trim()).toBe(String(a!.uid));
    const again = await k8sGobox(['run', 'cat', '/gobox/cache/k8e-token'], { cwd: dirA, user: a!.name });
    expect(again.stdout.trim()).toBe(token);
    const other = await k8sGobox(['run', 'sh', '-c', 'cat /gobox/cache/k8e-token 2>/dev/null || echo none'], { cwd: makeModule(HELLO, b), user: b!.name });
    expect(other.stdout.trim()).not.toBe(token);
    const claims = await core().listNamespacedPersistentVolumeClaim({ namespace: NS, labelSelector: 'gobox.kind=cache' });
    const mine = claims.items.filter((c) => [`gobox-cache-${a!.uid}`, `gobox-cache-${b!.uid}`].includes(c.metadata!.name!));
    expect(mine.map((c) => [c.metadata!.name, c.metadata!.labels!['gobox.owner'], c.status!.phase]).sort()).toEqual([
      [`gobox-cache-${a!.uid}`, String(a!.uid), 'Bound'],
      [`gobox-cache-${b!.uid}`, String(b!.uid), 'Bound'],
    ]);
  });

  it('never follows a project symlink out of the project: in (the pod sees its own /etc) nor back (the host link stays)', async () => {
    const a = shared.users[0]!;
    const dir = makeModule(HELLO, a);
    const outside = path.join(path.dirname(dir), `${path.basename(dir)}-outside`);
    mkdirSync(outside);
    chownSync(outside, a.uid, a.gid);
    symlinkSync('/etc', path.join(dir, 'etc-link'));
    symlinkSync(outside, path.join(dir, 'out'));
    writeFileSync(path.join(outside, 'keep'), 'host');
    // In the pod the link resolves in the pod's root: its /etc/hostname is the pod's, not the host's.
    const hostName = readFileSync('/etc/hostname', 'utf8').trim();
    const r = await k8sGobox(['run', 'sh', '-c', 'cat etc-link/hostname; rm out && mkdir out && echo pod > out/keep && echo pod > out/new && echo ok > made.txt'], { cwd: dir, user: a.name });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).not.toBe(hostName);
    expect(readFileSync(path.join(outside, 'keep'), 'utf8')).toBe('host');
    expect(existsSync(path.join(outside, 'new'))).toBe(false);
    expect(readFileSync(path.join(dir, 'made.txt'), 'utf8')).toBe('ok\n');
    expect(r.stderr).toMatch(/not copied back into .*out: out is a symlink on the host/);
  });
});
