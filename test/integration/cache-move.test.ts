import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { gobox, HELLO, makeModule } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * A user's own gobox (docker group, no root) makes a plain cache volume with a soft limit. The
 * first root run for that user (sudo, the daemon) turns it into a size-limited image: the
 * modules and build cache the user already had move with it.
 */
const M = { name: 'gobox-it-mv', uid: 23432, gid: 23432 };
const volume = `gobox-cache-${M.uid}`;
const mode = () => execFileSync('docker', ['volume', 'inspect', '-f', '{{index .Labels "gobox.cache-mode"}}', volume], { encoding: 'utf8' }).trim();

describe("a user's plain cache volume, made hard by root", () => {
  let dir: string;
  beforeAll(async () => {
    ensureTestUser(M);
    dir = makeModule(HELLO, M);
    // A fresh start for this uid whatever an earlier run left: no volume, no image.
    await gobox(['cache', 'clear', '--reset', '--user', String(M.uid)], { cwd: '/', env: {} });
  });

  it('keeps the modules and build cache the user had', async () => {
    const fill = 'mkdir -p "$GOMODCACHE/example.com/kept@v1.0.0" && echo module > "$GOMODCACHE/example.com/kept@v1.0.0/go.mod" && chmod -R a-w "$GOMODCACHE/example.com/kept@v1.0.0" && mkdir -p "$GOCACHE/ab" && echo entry > "$GOCACHE/ab/kept-d"';
    const own = await gobox(['run', 'sh', '-c', fill], { cwd: dir, user: M.name, env: {} });
    expect([own.code, own.stderr]).toEqual([0, '']);
    expect(mode()).toBe('soft');

    // Root in the user's project runs as the project's owner, on a hard cache from now on.
    const root = await gobox(['run', 'sh', '-c', 'cat "$GOMODCACHE/example.com/kept@v1.0.0/go.mod" "$GOCACHE/ab/kept-d"; id -u'], { cwd: dir, env: {} });
    expect(root.stdout).toBe(`module\nentry\n${M.uid}\n`);
    expect(root.code).toBe(0);
    expect(root.stderr).toMatch(new RegExp(`Moving the cache of uid ${M.uid} into its size-limited image`));
    expect(mode()).toBe('hard');

    // And the user's own runs see the same content on the hard cache.
    const after = await gobox(['run', 'sh', '-c', 'ls "$GOMODCACHE/example.com"; touch "$GOCACHE/ab/new-d" && echo writable'], { cwd: dir, user: M.name, env: {} });
    expect([after.code, after.stdout]).toEqual([0, 'kept@v1.0.0\nwritable\n']);
  });

  it("is the user's own gobox's cache too, with the user's own state dir beside root's", async () => {
    // As on a real host: no GOBOX_STATE_DIR, so the user's state is ~/.local/share/gobox and
    // root's (toolchains, the hard cache images) is the system state dir.
    const env = { GOBOX_STATE_DIR: '', GOBOX_SYSTEM_STATE_DIR: shared.stateDir };
    const r = await gobox(['run', 'sh', '-c', 'ls "$GOMODCACHE/example.com"'], { cwd: dir, user: M.name, env });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'kept@v1.0.0\n', '']);
    const info = JSON.parse((await gobox(['cache', 'info', '--json'], { cwd: dir, user: M.name, env })).stdout) as { mode: string; attached: boolean };
    expect(info).toMatchObject({ mode: 'hard', attached: true });
  });
});
