import { logger } from '../common/logger.js';
import { parseDuration, parseSize } from '../common/units.js';
import { connectEngine, type Engine } from '../engine/index.js';
import { buildSandboxSpec } from '../sandbox/spec.js';
import type { SandboxSpec } from '../sandbox/types.js';
import type { WarmPool } from './warm-pool.js';
import { afterRunCache, ensureCacheVolume, withActiveRun } from './cache-volume.js';
import { executeSandbox, type RunControl, type RunIO, type RunOutcome } from './execute.js';
import { sweepLeftovers } from './gc.js';
import { ensureImage } from './image.js';
import { sandboxLoginName, writeIdentityFiles } from './identity-files.js';
import { resolveNetwork } from './network.js';
import { checkSandboxSupport } from './runtime-check.js';
import { prepareRun, type PreparedRun, type RunOptions } from './prepare.js';

const log = logger('run');

export interface RunRequest extends RunOptions {
  io: RunIO;
  onStart?: (control: RunControl) => void;
  /** The agent's sandboxes started ahead: this run may take one, and leaves one for the next. */
  warm?: WarmPool;
  /**
   * The agent: a soft-limit cache check (a helper container) is handed over to run after the
   * caller has its exit status; the agent delivers its notices and holds the next run until done.
   */
  deferCacheCheck?: (check: () => Promise<string[]>) => void;
}

/**
 * After a run through the agent: the sandbox for the next run starts in the background, and
 * after a handed-over cache check rather than during it (a trim waits for no sandbox that is
 * just starting).
 */
function startNextSandbox(req: RunRequest, check: (() => Promise<string[]>) | undefined, refill: () => void): void {
  if (!check || !req.deferCacheCheck) return refill();
  req.deferCacheCheck(async () => {
    try {
      return await check();
    } finally {
      refill();
    }
  });
}

/** Engine-side preparation shared by run and shell: leftovers swept, image and cache ready. */
export async function readyEngine(p: PreparedRun, progress: RunOptions['progress']): Promise<Engine> {
  const engine = await log.time('connect to engine', () => connectEngine());
  log.debug(`engine at ${engine.endpoint.url} (${engine.endpoint.via})`);
  const swept = await log.time('sweep leftovers', () => sweepLeftovers(engine, p.user.uid));
  if (swept.removed.length) log.debug(`removed ${swept.removed.length} leftover sandbox(es)`);
  // Runtime usable, image present (loaded into a rootless engine from the admin's archive), limits honest.
  await log.time('check runtime, image and limits', () => checkSandboxSupport(engine, p, progress));
  await log.time('check image', () => ensureImage(engine, p.loaded.profile.image, progress));
  p.inputs.cacheVolume = await log.time('check cache volume', () => ensureCacheVolume(engine, p.user, p.loaded.profile, progress));
  p.inputs.network = await log.time('check network', () => resolveNetwork(engine, p, progress));
  return engine;
}

/** `gobox run`: one command in a fresh sandbox, with the command's own exit status. */
export async function runCommand(req: RunRequest): Promise<RunOutcome> {
  const p = await prepareRun(req);
  const engine = await readyEngine(p, req.progress);
  const ids = await writeIdentityFiles(p.user, sandboxLoginName(p));
  const limits = p.loaded.profile.limits;
  let outcome: RunOutcome;
  let built: SandboxSpec;
  let warm: Awaited<ReturnType<WarmPool['claim']>> = undefined;
  try {
    built = buildSandboxSpec({ ...p.inputs, identityFiles: ids });
    const spec = built;
    warm = await req.warm?.claim(engine, built, p.project.root);
    if (warm) log.debug('using the sandbox started ahead for this run');
    // Marks the run active so a trim of this user's cache waits for it (and it for a trim).
    outcome = await withActiveRun(p.user, () =>
      executeSandbox(engine, spec, req.io, {
        timeoutMs: parseDuration(limits.timeout) ?? 0,
        outputLimit: parseSize(limits.output) ?? 0,
        memoryLimit: spec.limits.memoryBytes,
        ...(req.onStart ? { onStart: req.onStart } : {}),
        ...(warm ? { warm } : {}),
      }),
    );
  } finally {
    await ids.dispose();
    await warm?.dispose();
  }
  // The agent takes a soft-limit check (a helper container) to run after the caller has its exit status.
  let handed: (() => Promise<string[]>) | undefined;
  const handOver = req.deferCacheCheck ? (check: () => Promise<string[]>) => void (handed = check) : undefined;
  outcome.notices.push(...(await log.time('cache after run', () => afterRunCache(engine, p.user, p.loaded.profile, outcome, handOver))));
  startNextSandbox(req, handed, () => req.warm?.refill(engine, p, built));
  return outcome;
}
