import { logger } from '../../common/logger.js';
import { parseDuration, parseSize } from '../../common/units.js';
import { connectEngine, type Engine } from '../../engine/index.js';
import { engineChoice, ensureCacheClaim, onCluster } from './host-engine.js';
import { buildSandboxSpec } from '../../sandbox/spec.js';
import type { SandboxSpec } from '../../sandbox/types.js';
import type { WarmPool } from '../warm/pool.js';
import { afterRunCache, ensureCacheVolume, withActiveRun } from '../cache/volume.js';
import { executeSandbox, type RunControl, type RunIO, type RunOutcome } from './execute.js';
import { sweepLeftovers } from './gc.js';
import { sandboxLoginName, writeIdentityFiles } from './identity-files.js';
import { resolveNetwork } from '../network/resolve.js';
import { checkSandboxSupport } from '../checks/runtime-support.js';
import { prepareRun, type PreparedRun, type RunOptions } from './prepare.js';
import type { FitMemo } from './fit-memo.js';

const log = logger('run');

export interface RunRequest extends RunOptions {
  io: RunIO;
  onStart?: (control: RunControl) => void;
  /** The sandbox made for this run can be removed before its start (execute.ts onCreate). */
  onCreate?: (remove: () => Promise<void>) => void;
  /** The agent's sandboxes started ahead: this run may take one, and leaves one for the next. */
  warm?: WarmPool;
  /**
   * The agent: a soft-limit cache check (a helper container) handed over to run after the caller
   * has its exit status; the agent delivers its notices with the next run and holds that run
   * until the check is done.
   */
  afterReply?: (task: () => Promise<string[]>) => void;
  /** The agent: a sandbox's removal, made after the reply (execute.ts removeLater says when). */
  removeLater?: (removal: () => Promise<string[]>) => void;
  /** The agent: engine-fit verdicts kept between runs (fit-memo.ts). */
  fitMemo?: FitMemo;
}

/**
 * After a run through the agent: the sandbox for the next run starts in the background, and
 * after a handed-over cache check rather than during it (a trim waits for no sandbox that is
 * just starting).
 */
function startNextSandbox(req: RunRequest, check: (() => Promise<string[]>) | undefined, refill: () => void): void {
  if (!check || !req.afterReply) return refill();
  req.afterReply(async () => {
    try {
      return await check();
    } finally {
      refill();
    }
  });
}

/**
 * Engine-side preparation shared by run and shell: leftovers swept, image and cache ready. The
 * checks that make nothing (the engine's fit, the sweep, the toolchain's check before a mount)
 * run side by side; what is made for the run (cache volume, network) waits for all of them, so
 * a refused run leaves nothing behind. `memo`: the agent's fit verdicts (fit-memo.ts).
 */
export async function readyEngine(p: PreparedRun, progress: RunOptions['progress'], memo?: FitMemo): Promise<Engine> {
  const engine = await connectFor(p);
  if (onCluster(engine)) {
    await readyUserOn(engine, p, progress);
    return engine;
  }
  await Promise.all([fitEngine(engine, p, progress, memo), sweepUser(engine, p), p.toolchain.mountCheck]);
  await makeUserResources(engine, p, progress);
  return engine;
}

async function connectFor(p: PreparedRun): Promise<Engine> {
  const engine = await log.time('connect to engine', () => connectEngine(process.env, engineChoice(p.host.config)));
  log.debug(`engine at ${engine.endpoint.url} (${engine.endpoint.via})`);
  return engine;
}

/** Runtime usable, image present (loaded into a rootless engine from the admin's archive), limits honest. */
async function fitEngine(engine: Engine, p: PreparedRun, progress: RunOptions['progress'], memo?: FitMemo): Promise<void> {
  const check = (watched: RunOptions['progress']) => log.time('check runtime, image and limits', () => checkSandboxSupport(engine, p, watched));
  if (!memo) return check(progress);
  await memo.check(JSON.stringify([engine.endpoint.url, p.loaded.name, p.loaded.profile, p.inputs.runtime ?? null]), progress, check);
}

async function sweepUser(engine: Engine, p: PreparedRun): Promise<void> {
  const swept = await log.time('sweep leftovers', () => sweepLeftovers(engine, p.user.uid));
  if (swept.removed.length) log.debug(`removed ${swept.removed.length} leftover sandbox(es)`);
}

/**
 * The engine the host config names, connected and fit for the run's profile. A class run does
 * this once. On a cluster, images are the nodes' and limits the kubelet's.
 */
export async function readyEngineFor(p: PreparedRun, progress: RunOptions['progress']): Promise<Engine> {
  const engine = await connectFor(p);
  if (!onCluster(engine)) await fitEngine(engine, p, progress);
  return engine;
}

/** The run's user on that engine: their leftovers swept, their cache volume and network ready. */
export async function readyUserOn(engine: Engine, p: PreparedRun, progress: RunOptions['progress']): Promise<void> {
  await sweepUser(engine, p);
  // Ran meanwhile (connect, engine checks, sweep) when prepareRun was asked to overlap it.
  // Awaited before anything is made for the run: a refused toolchain leaves no cache volume, no
  // network and no sandbox behind, and says so in one line (proxy mode would even build its
  // forwarder with the toolchain's own go, on the host).
  await p.toolchain.mountCheck;
  await makeUserResources(engine, p, progress);
}

/**
 * What is made for the run, once every check passed. On a cluster only the user's cache claim,
 * sized by the profile; the network mode is a NetworkPolicy the engine makes.
 */
async function makeUserResources(engine: Engine, p: PreparedRun, progress: RunOptions['progress']): Promise<void> {
  p.inputs.cacheVolume = onCluster(engine)
    ? await log.time('check cache claim', () => ensureCacheClaim(engine, p.user.uid, p.loaded.profile))
    : await log.time('check cache volume', () => ensureCacheVolume(engine, p.user, p.loaded.profile, progress));
  if (onCluster(engine)) return;
  p.inputs.network = await log.time('check network', () => resolveNetwork(engine, p, progress));
}

/** `gobox run`: one command in a fresh sandbox, with the command's own exit status. */
export async function runCommand(req: RunRequest): Promise<RunOutcome> {
  const p = await prepareRun({ ...req, overlapMountCheck: true });
  const engine = await readyEngine(p, req.progress, req.fitMemo);
  const ids = await writeIdentityFiles(p.user, sandboxLoginName(p));
  const limits = p.loaded.profile.limits;
  let outcome: RunOutcome;
  let built: SandboxSpec;
  let warm: Awaited<ReturnType<WarmPool['claim']>> = undefined;
  try {
    built = buildSandboxSpec({ ...p.inputs, identityFiles: ids });
    const spec = built;
    warm = onCluster(engine) ? undefined : await req.warm?.claim(engine, built, p.project.root);
    if (warm) log.debug('using the sandbox started ahead for this run');
    // Marks the run active so a trim of this user's cache waits for it (and it for a trim).
    outcome = await withActiveRun(p.user, () =>
      executeSandbox(engine, spec, req.io, {
        timeoutMs: parseDuration(limits.timeout) ?? 0,
        outputLimit: parseSize(limits.output) ?? 0,
        memoryLimit: spec.limits.memoryBytes,
        ...(req.onStart ? { onStart: req.onStart } : {}),
        ...(req.onCreate ? { onCreate: req.onCreate } : {}),
        ...(warm ? { warm } : {}),
        // A pod's removal stays in the run: a cluster's engine may still be copying the project back.
        ...(req.removeLater && !onCluster(engine) ? { removeLater: req.removeLater } : {}),
      }),
    );
  } finally {
    await ids.dispose();
    await warm?.dispose();
  }
  // The agent takes a soft-limit check (a helper container) to run after the caller has its exit status.
  // A cluster's cache claim is held to its size by its storage; there is no helper to measure it.
  if (onCluster(engine)) return outcome;
  let handed: (() => Promise<string[]>) | undefined;
  const handOver = req.afterReply ? (check: () => Promise<string[]>) => void (handed = check) : undefined;
  outcome.notices.push(...(await log.time('cache after run', () => afterRunCache(engine, p.user, p.loaded.profile, outcome, handOver))));
  startNextSandbox(req, handed, () => req.warm?.refill(engine, p, built));
  return outcome;
}
