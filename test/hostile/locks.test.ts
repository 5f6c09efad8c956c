import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, REPO } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * User B attacks user A's cache locks: B pre-creates, plants or replaces A's lock entries in
 * every place gobox has kept them (the state dir's locks, the run dir's, /tmp). A's run/trim
 * exclusion must still hold, and the state partition must hold nothing B may write.
 */
const A = { name: 'gobox-reap-a', uid: 23630, gid: 23630 };
const B = { name: 'gobox-reap-b', uid: 23631, gid: 23631 };

let state: string;
let run: string;
const env = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', GOBOX_STATE_DIR: state, GOBOX_RUN_DIR: run, NO_COLOR: '1' });
const mod = (file: string) => JSON.stringify(path.join(REPO, 'dist', 'app', file));

/** A node process using gobox's own lock code, as root or as a test user. */
function node(code: string, user?: string): ChildProcess {
  const args = ['--input-type=module', '-e', code];
  if (!user) return spawn(process.execPath, args, { env: { ...env(), HOME: '/root' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const vars = Object.entries({ ...env(), HOME: `/home/${user}`, USER: user }).map(([k, v]) => `${k}=${v}`);
  return spawn('runuser', ['-u', user, '--', 'env', '-i', ...vars, process.execPath, ...args], { cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Resolves once the child printed `word` on stdout. */
function said(child: ChildProcess, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes(word)) resolve();
    });
    child.on('close', () => reject(new Error(`ended before saying ${word}: ${out}`)));
  });
}

/** Holds a run marker of A (or uid) (withActiveRun, as run.ts does) for ms, printing "in" once inside. */
const holdRun = (ms: number, user?: string, uid = A.uid) =>
  node(`const m = await import(${mod('cache/volume.js')}); await m.withActiveRun({ uid: ${uid} }, async () => { console.log('in ' + Date.now()); await new Promise((r) => setTimeout(r, ${ms})); });`, user);

/** A trim of A's cache under the exclusive lock (as `gobox cache trim` takes it), holding it for ms. */
const trim = (ms: number) =>
  node(`const { withCacheExclusive } = await import(${mod('cache/exclusion.js')}); const { connectEngine } = await import(${JSON.stringify(path.join(REPO, 'dist', 'engine', 'index.js'))});
    try { await withCacheExclusive(await connectEngine(), ${A.uid}, 'trim', async () => { console.log('in'); await new Promise((r) => setTimeout(r, ${ms})); console.log('out ' + Date.now()); }, 'refuse'); }
    catch (e) { console.log('refused: ' + e.message); }`);

/** B, as itself, tries to make, plant or replace A's entries in every place locks were ever kept. */
function attack(): void {
  const places = [path.join(state, 'locks', String(A.uid)), path.join(run, 'locks', String(A.uid)), `/tmp/gobox-locks-${A.uid}`, '/var/lib/gobox/locks/' + A.uid];
  const script = places
    .map((p) => `(rm -rf ${p}; mv ${p} ${p}.gone; mkdir -p ${p}; chmod 777 ${p}; echo 1 > ${p}/.lock-trim; echo 1 > ${p}/run-x.active) 2>/dev/null`)
    .join('; ');
  execFileSync('runuser', ['-u', B.name, '--', 'sh', '-c', `${script}; true`]);
}

describe('lock places under attack by another user', () => {
  beforeAll(() => {
    ensureTestUser(A, { docker: false });
    ensureTestUser(B, { docker: false });
    // A host already in use: root keeps state and run dirs, readable by all, as /var/lib/gobox and /run/gobox.
    state = mkdtempSync('/tmp/gobox-reap-state-');
    run = mkdtempSync('/tmp/gobox-reap-run-');
    for (const d of [state, run]) chmodSync(d, 0o755);
    rmSync(`/tmp/gobox-locks-${A.uid}`, { recursive: true, force: true });
    rmSync(`/home/${A.name}/.local/share/gobox`, { recursive: true, force: true });
  });
  afterAll(() => {
    for (const d of [state, run, `/tmp/gobox-locks-${A.uid}`]) rmSync(d, { recursive: true, force: true });
  });

  it('B cannot switch off A\'s run/trim exclusion, before or after A first locks, and can write nothing in the state dir', async () => {
    // Root has locked for somebody before (here B): the lock layout exists.
    expect((await collect(holdRun(0, undefined, B.uid))).code).toBe(0);
    attack();

    // A's own gobox runs (direct mode): a trim of A's cache by root is refused while it lasts.
    const holder = holdRun(4000, A.name);
    const held = collect(holder);
    await said(holder, 'in');
    const pid = execFileSync('pgrep', ['-u', String(A.uid), '-f', 'withActiveRun'], { encoding: 'utf8' }).trim();
    const t1 = await collect(trim(0));
    expect(t1.stdout.trim()).toBe(`refused: a build of uid ${A.uid} is running (gobox pid ${pid}); trim again when it ends`);
    expect((await held).code).toBe(0);

    // A run of A by root (as the daemon runs it) is refused a trim as well.
    const rootHolder = holdRun(4000);
    const rootHeld = collect(rootHolder);
    await said(rootHolder, 'in');
    expect((await collect(trim(0))).stdout.trim()).toBe(`refused: a build of uid ${A.uid} is running (gobox pid ${rootHolder.pid}); trim again when it ends`);
    expect((await rootHeld).code).toBe(0);

    // A's place exists now; B tries again to replace or plant into it.
    attack();

    // A trim holds the lock: A's own run (as A) waits for it.
    const trimmer = trim(2500);
    const trimmed = collect(trimmer);
    await said(trimmer, 'in');
    const runAsA = await collect(holdRun(0, A.name));
    const end = Number(/out (\d+)/.exec((await trimmed).stdout)?.[1]);
    const started = Number(/in (\d+)/.exec(runAsA.stdout)?.[1]);
    expect(runAsA.code).toBe(0);
    expect(started).toBeGreaterThanOrEqual(end);

    // With nothing held, nothing B planted stops A's trim; B owns nothing in the state or run dir nor may write there.
    expect((await collect(trim(0))).stdout).toMatch(/^in\nout \d+\n$/);
    // (B's own place, which root made for B, is the one exception.)
    const own = path.join(run, 'locks', String(B.uid));
    const open = execFileSync('find', [state, run, '-path', own, '-prune', '-o', '(', '-user', String(B.uid), '-o', '-perm', '-0002', ')', '-print'], { encoding: 'utf8' });
    expect(open).toBe('');
  });
});
