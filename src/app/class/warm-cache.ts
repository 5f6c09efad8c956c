import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { GoboxError } from '../../common/errors.js';
import { withLock } from '../../common/lock-file.js';
import type { Progress } from '../../common/progress.js';
import { cleanStaleTemps, isTempName, makeTempDir, removeTree } from '../../common/temp.js';
import type { Engine } from '../../engine/index.js';
import { buildWarmCacheSpec, WARM_CACHE_SCRIPT } from '../../sandbox/grading-spec.js';
import { sandboxEnv } from '../../sandbox/spec.js';
import { plainEnv } from '../../sandbox/env.js';
import { executeSandbox, type PreparedRun } from '../run/index.js';
import { classesDir } from './layout.js';

const NOBODY = 65534;
const COMPLETE = 'complete';

/** What the compiled standard library depends on: toolchain, image and the Go settings of the run. */
function warmKey(p: PreparedRun): string {
  const env = plainEnv(sandboxEnv(p.inputs));
  const relevant = Object.keys(env).filter((k) => k.startsWith('GO') || k === 'CGO_ENABLED').sort().map((k) => `${k}=${env[k]}`);
  // The script is part of the key: a cache made by an older script is never taken for a newer one's.
  const digest = createHash('sha256').update([p.loaded.profile.image, WARM_CACHE_SCRIPT, ...relevant].join('\n')).digest('hex').slice(0, 12);
  return `go${p.toolchain.version}-${digest}`;
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(dir, uid, gid);
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await chownTree(p, uid, gid);
    else await fs.lchown(p, uid, gid);
  }
}

/**
 * The grading sandboxes' seed cache for this toolchain and these settings: made once per host by
 * gobox's own sandbox (sandbox/grading-spec.ts buildWarmCacheSpec), then root's and read-only.
 * Returns the host dir to mount, or undefined when it could not be made (grading still works,
 * each student compiling the standard library).
 */
export async function ensureWarmCache(engine: Engine, stateDir: string, p: PreparedRun, progress: Progress): Promise<string | undefined> {
  const root = path.join(classesDir(stateDir), '.grading-cache');
  const key = warmKey(p);
  const final = path.join(root, key);
  const done = async () => fs.access(path.join(final, COMPLETE)).then(() => path.join(final, 'cache'), () => undefined);
  const ready = await done();
  if (ready) {
    // The marker's time says when it was last used: gc prunes the ones no class used for long.
    await fs.utimes(path.join(final, COMPLETE), new Date(), new Date()).catch(() => {});
    return ready;
  }
  await fs.mkdir(root, { recursive: true, mode: 0o755 });
  return withLock(root, `warm-${key}`, async () => {
    const again = await done();
    if (again) return again;
    const tmp = await makeTempDir(root, 'warm', key);
    try {
      await fs.chown(tmp, NOBODY, NOBODY);
      progress.start(`Compiling the standard library for grading with go${p.toolchain.version} (once per toolchain)`);
      const spec = buildWarmCacheSpec({ ...p.inputs, project: { root: tmp, cwd: tmp } });
      const errors: Buffer[] = [];
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      const err = new Writable({ write: (c: Buffer, _e, cb) => (errors.length < 64 && errors.push(c), cb()) });
      const outcome = await executeSandbox(engine, spec, { stdout: sink, stderr: err }, { timeoutMs: 15 * 60_000, outputLimit: 1 << 20, memoryLimit: spec.limits.memoryBytes });
      if (outcome.exitCode !== 0) {
        progress.fail();
        throw new GoboxError(`compiling the standard library for grading failed (exit ${outcome.exitCode}): ${Buffer.concat(errors).toString('utf8').split('\n')[0] ?? ''}`);
      }
      await chownTree(tmp, 0, 0);
      await fs.chmod(tmp, 0o755);
      await fs.writeFile(path.join(tmp, COMPLETE), `${new Date().toISOString()}\n`, { mode: 0o644 });
      await fs.rename(tmp, final);
      progress.succeed();
      return path.join(final, 'cache');
    } catch (e) {
      await removeTree(tmp).catch(() => {});
      throw e;
    }
  });
}

/** How long a grading cache nobody used stays (a toolchain removed, a setting changed, an older script). */
export const GRADING_CACHE_MAX_IDLE_MS = 30 * 24 * 3600_000;

/**
 * `gobox gc` (root): removes grading caches no class run used for GRADING_CACHE_MAX_IDLE_MS,
 * each under its own lock so a run that is making or taking it now is never cut short, and
 * half-made ones whose maker died. Returns the keys removed.
 */
export async function pruneGradingCaches(stateDir: string, now = Date.now()): Promise<string[]> {
  const root = path.join(classesDir(stateDir), '.grading-cache');
  await cleanStaleTemps(root);
  const removed: string[] = [];
  for (const key of await fs.readdir(root).catch(() => [] as string[])) {
    if (isTempName(key) || key.startsWith('.')) continue;
    const gone = await withLock(root, `warm-${key}`, async () => {
      const used = await fs.stat(path.join(root, key, COMPLETE)).then((st) => st.mtimeMs, () => 0);
      if (now - used < GRADING_CACHE_MAX_IDLE_MS) return false;
      await removeTree(path.join(root, key));
      return true;
    });
    if (gone) removed.push(key);
  }
  return removed;
}
