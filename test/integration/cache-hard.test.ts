import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect, gobox, HELLO, REPO, makeModule, profileHome, spawnGobox, waitFor, type GoboxResult } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * Hard cache limits, as root: a loop-backed ext4 image per user. These users are this file's own
 * (not the shared test users), so their caches start empty and other files' runs do not grow them.
 */
const C = { name: 'gobox-it-c', uid: 23403, gid: 23403 };
const D = { name: 'gobox-it-d', uid: 23404, gid: 23404 };
const MiB = 1024 ** 2;


function volumes(): string[] {
  return execFileSync('docker', ['volume', 'ls', '-q', '--filter', 'label=gobox.kind=cache'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function mounted(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

const mnt = (uid: number) => path.join(shared.stateDir, 'caches', `${uid}.mnt`);

let env: Record<string, string>;
const asRoot = (args: string[], owner = C) => gobox(['-p', 'small', ...args], { cwd: makeModule(HELLO, owner), env });
const info = async (uid: number) => {
  const r = await gobox(['-p', 'small', 'cache', 'info', '--user', String(uid), '--json'], { cwd: '/', env });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { usedBytes: number; buildBytes: number; modBytes: number; limitBytes: number; freeBytes: number; mode: string; attached: boolean };
};
const reset = (uid: number) => gobox(['cache', 'clear', '--reset', '--user', String(uid)], { cwd: '/', env });

describe('hard cache limits (gobox as root)', () => {
  beforeAll(async () => {
    ensureTestUser(C);
    ensureTestUser(D);
    const home = profileHome({
      small: 'cache:\n  size: 64m\n',
      roomy: 'cache:\n  size: 96m\n',
      badsize: 'cache:\n  size: lots\n',
      tiny: 'cache:\n  size: 1m\n',
    });
    env = { XDG_CONFIG_HOME: home };
    for (const u of [C, D]) await reset(u.uid);
  });

  it('refuses a cache size that does not parse or is too small, in one line, and makes nothing', async () => {
    const bad = await gobox(['-p', 'badsize', 'run', 'true'], { cwd: makeModule(HELLO, D), env });
    expect(bad.code).toBe(125);
    expect(bad.stderr.split('\n')[0]).toContain('badsize.yaml: cache.size: expected a size');
    const tiny = await gobox(['-p', 'tiny', 'run', 'true'], { cwd: makeModule(HELLO, D), env });
    expect(tiny.code).toBe(125);
    expect(tiny.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(tiny.stderr).toContain('tiny.yaml: cache.size: expected at least 16m (the smallest cache gobox makes)');
    expect(volumes()).not.toContain(`gobox-cache-${D.uid}`);
  });

  it("stops a run that fills the cache with ENOSPC and says so; another user's run at the same time is unaffected", async () => {
    const [full, other] = await Promise.all([
      asRoot(['run', 'sh', '-c', 'dd if=/dev/zero of="$GOCACHE/fill" bs=1M count=200 status=none']),
      asRoot(['run', 'sh', '-c', 'sleep 1; dd if=/dev/zero of="$GOCACHE/mine" bs=1M count=20 status=none && sync && echo wrote'], D),
    ]);
    expect(full.code).not.toBe(0);
    expect(full.stderr).toContain('No space left on device');
    expect(full.stderr).toContain(`gobox: cache quota 64 MiB of gobox-cache-${C.uid} is full; free space with: gobox cache trim --user ${C.uid} (or gobox cache clear --user ${C.uid})`);
    expect(other.code).toBe(0);
    expect(other.stdout).toBe('wrote\n');
    const c = await info(C.uid);
    expect(c.mode).toBe('hard');
    expect(c.limitBytes).toBe(64 * MiB);
    expect(c.freeBytes).toBeLessThan(4 * MiB);
    // The image is sparse and capped: the host disk lost at most the quota.
    const img = Number(execFileSync('du', ['-sk', path.join(shared.stateDir, 'caches', `${C.uid}.img`)], { encoding: 'utf8' }).split('\t')[0]) * 1024;
    expect(img).toBeLessThanOrEqual(64 * MiB);
  });

  it('after a trim the cache is usable again: a build succeeds', async () => {
    const trim = await gobox(['-p', 'small', 'cache', 'trim', '--user', String(C.uid)], { cwd: '/', env });
    expect(trim.code).toBe(0);
    expect(trim.stdout).toMatch(new RegExp(`^gobox-cache-${C.uid}: `));
    expect((await info(C.uid)).freeBytes).toBeGreaterThan(10 * MiB);
    const build = await asRoot(['run', 'go', 'build', '-o', '/tmp/hello', '.']);
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
  });

  it('cache info --json matches du on the mounted image', async () => {
    const c = await info(C.uid);
    const du = (sub: string) => Number(execFileSync('du', ['-sk', path.join(mnt(C.uid), sub)], { encoding: 'utf8' }).split('\t')[0]) * 1024;
    expect(c.buildBytes).toBe(du('build'));
    expect(c.modBytes).toBe(du('mod'));
    expect(c.usedBytes).toBeGreaterThanOrEqual(c.buildBytes + c.modBytes);
  });

  it('re-attaches the image after a reboot (simulated by umount) with its content', async () => {
    expect((await asRoot(['run', 'sh', '-c', 'echo kept > "$GOCACHE/marker"'])).code).toBe(0);
    execFileSync('umount', [mnt(C.uid)]);
    expect(mounted(mnt(C.uid))).toBe(false);
    // The user alone cannot mount it: refused, rather than running on the bare mount point.
    const user = await gobox(['-p', 'small', 'run', 'true'], { cwd: makeModule(HELLO, C), env, user: C.name });
    expect(user.code).toBe(125);
    expect(user.stderr).toContain(`cache volume gobox-cache-${C.uid} is not attached`);
    const r = await asRoot(['run', 'cat', '/gobox/cache/build/marker']);
    expect(r.stdout).toBe('kept\n');
    expect(mounted(mnt(C.uid))).toBe(true);
  });

  it('grows with the profile, and says once that it does not shrink', async () => {
    const grown = await gobox(['-p', 'roomy', 'run', 'cat', '/gobox/cache/build/marker'], { cwd: makeModule(HELLO, C), env });
    expect(grown.stdout).toBe('kept\n');
    expect(grown.stderr).toBe('');
    const i = await gobox(['-p', 'roomy', 'cache', 'info', '--user', String(C.uid), '--json'], { cwd: '/', env });
    expect(JSON.parse(i.stdout).limitBytes).toBe(96 * MiB);
    const back = await asRoot(['run', 'true']);
    expect(back.stderr).toContain('stays 96 MiB: the profile asks for 64 MiB');
    expect((await asRoot(['run', 'true'])).stderr).toBe('');
  });

  it('refuses to trim while a run of that user is active', async () => {
    const running = spawnGobox(['-p', 'small', 'run', 'sleep', '4'], { cwd: makeModule(HELLO, C), env });
    const done = collect(running);
    await waitFor(() => execFileSync('docker', ['ps', '-q', '--filter', `label=gobox.owner=${C.uid}`, '--filter', 'label=gobox.kind=sandbox'], { encoding: 'utf8' }).trim());
    const trim: GoboxResult = await gobox(['-p', 'small', 'cache', 'trim', '--user', String(C.uid)], { cwd: '/', env });
    expect(trim.code).toBe(125);
    expect(trim.stderr).toMatch(new RegExp(`^gobox: a build of uid ${C.uid} is running \\(.*\\); trim again when it ends\\n$`));
    expect((await done).code).toBe(0);
    expect((await gobox(['-p', 'small', 'cache', 'clear', '--user', String(C.uid)], { cwd: '/', env })).code).toBe(0);
  });

  it('refuses to trim while a run holds its marker (withActiveRun, as run.ts uses it)', async () => {
    const code = `const m = await import(${JSON.stringify(path.join(REPO, 'dist', 'app', 'cache', 'volume.js'))});
      await m.withActiveRun({ uid: ${C.uid} }, () => new Promise((r) => setTimeout(r, 3000)));`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, GOBOX_STATE_DIR: shared.stateDir }, stdio: 'ignore' });
    const ended = new Promise((r) => holder.on('close', r));
    const locks = path.join(process.env.GOBOX_RUN_DIR ?? '/run/gobox', 'locks', String(C.uid));
    await waitFor(() => readdirSync(locks).some((n) => n.endsWith('.active')));
    const trim = await gobox(['-p', 'small', 'cache', 'trim', '--user', String(C.uid)], { cwd: '/', env });
    expect(trim.code).toBe(125);
    expect(trim.stderr).toBe(`gobox: a build of uid ${C.uid} is running (gobox pid ${holder.pid}); trim again when it ends\n`);
    await ended;
    expect(readdirSync(locks).filter((n) => n.endsWith('.active'))).toEqual([]);
    expect((await gobox(['-p', 'small', 'cache', 'trim', '--user', String(C.uid)], { cwd: '/', env })).code).toBe(0);
    expect((await info(C.uid)).buildBytes).toBeLessThan(64 * 1024);
  });
});
