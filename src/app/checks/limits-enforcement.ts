import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PolicyError, errorMessage } from '../../common/errors.js';
import { helperCaller } from '../../common/helper-caller.js';
import { hostBootId } from '../../common/identity.js';
import { logger } from '../../common/logger.js';
import { stateDir } from '../../common/paths.js';
import type { Progress } from '../../common/progress.js';
import type { ProfileLimits } from '../../config/schema.js';
import type { Engine, LimitName, LimitsObservation } from '../../engine/index.js';
import { heldLimits } from '../../engine/limits-readback.js';
import { limitsProbeSpec } from '../../sandbox/helper-spec.js';

const log = logger('limits');
const NAMES: readonly LimitName[] = ['memory', 'cpu', 'pids'];

export interface LimitsVerdict {
  held: Record<LimitName, boolean>;
  /** Where the answer came from: the kernel's files for a probe container ("host cgroup", ...). */
  source: LimitsObservation['source'];
  /** e.g. "rootless podman 4.3.1, cgroup v1, runtime runc" */
  engine: string;
  /** Why a limit does not hold, and what would make it hold; empty when all hold. */
  reason: string;
  fix: string;
  probedAt: string;
}

/** Why the kernel did not apply limits, and the fix, from what is known about the engine. */
export function explainMissing(e: { kind: string; rootless: boolean; cgroupVersion: string }, missing: LimitName[]): { reason: string; fix: string } {
  if (missing.length === 0) return { reason: '', fix: '' };
  if (e.rootless && e.cgroupVersion === '1') {
    return {
      reason: `a rootless ${e.kind} on cgroup v1 cannot create cgroups, so it ignores the limits`,
      fix: 'boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1) and delegate memory, cpu and pids to users (Delegate= in user@.service), or use rootful Docker or the gobox daemon',
    };
  }
  if (e.rootless) {
    return {
      reason: `the rootless ${e.kind} has no delegated ${missing.join(', ')} controller(s)`,
      fix: 'delegate the controllers to users: a systemd drop-in for user@.service with Delegate=cpu cpuset io memory pids, then log in again',
    };
  }
  return { reason: `the kernel did not apply ${missing.join(', ')} to the probe container`, fix: 'enable the missing cgroup controllers (e.g. cgroup_enable=memory swapaccount=1 on the kernel command line)' };
}

/** Per-user cache: a probe costs one container, the answer only changes with engine, runtime or boot. */
function cacheDir(env: NodeJS.ProcessEnv): string {
  if (process.getuid?.() === 0) return path.join(stateDir(env), 'probes');
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'gobox', 'probes');
}

async function cacheKey(engine: Engine, runtime: string | undefined): Promise<{ key: string; label: string; facts: { kind: string; rootless: boolean; cgroupVersion: string } }> {
  const info = await engine.info();
  const podman = await engine.podmanInfo();
  const rootless = podman?.rootless ?? info.rootless;
  const cgroupVersion = podman?.cgroupVersion ?? info.cgroupVersion;
  const rt = runtime ?? info.defaultRuntime;
  const details = (await engine.runtimeDetails())[rt];
  const facts = [engine.endpoint.url, info.kind, info.version, rootless, cgroupVersion, rt, details, hostBootId(), process.getuid?.()];
  const key = createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 24);
  return { key, label: `${rootless ? 'rootless ' : ''}${info.kind} ${info.version}, cgroup v${cgroupVersion}, runtime ${rt}`, facts: { kind: info.kind, rootless, cgroupVersion } };
}

/** Trust a cached answer only when it is ours and nobody else could have written it. */
async function readCached(file: string): Promise<LimitsVerdict | undefined> {
  try {
    const st = await stat(file);
    if (st.uid !== (process.getuid?.() ?? 0) || (st.mode & 0o022) !== 0) return undefined;
    const v = JSON.parse(await readFile(file, 'utf8')) as Partial<LimitsVerdict>;
    if (!v.held || NAMES.some((n) => typeof v.held?.[n] !== 'boolean')) return undefined;
    return { held: v.held, source: v.source ?? 'none', engine: String(v.engine ?? ''), reason: String(v.reason ?? ''), fix: String(v.fix ?? ''), probedAt: String(v.probedAt ?? '') };
  } catch {
    return undefined;
  }
}

/** Which limits really hold on this engine and runtime: probed once, then cached. */
export async function probedLimits(engine: Engine, image: string, runtime: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<LimitsVerdict> {
  const { key, label, facts } = await cacheKey(engine, runtime);
  const file = path.join(cacheDir(env), `${key}.json`);
  const cached = await readCached(file);
  if (cached) return cached;
  const caller = helperCaller();
  const probe = limitsProbeSpec(image, runtime, caller);
  const obs = await log.time('probe limits', () => engine.probeLimits({ spec: probe, marker: caller.id }));
  const held = heldLimits(obs, probe.limits);
  const missing = NAMES.filter((n) => !held[n]);
  const verdict: LimitsVerdict = { held, source: obs.source, engine: label, ...explainMissing(facts, missing), probedAt: new Date().toISOString() };
  if (obs.source === 'none' && missing.length) verdict.reason = `no limit could be observed for the probe container (${label}); ${verdict.reason}`;
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(`${file}.tmp`, JSON.stringify(verdict, null, 2) + '\n', { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  } catch (e) {
    log.debug(`cannot cache the limits probe in ${file}: ${errorMessage(e)}`);
  }
  return verdict;
}

function describe(name: LimitName, limits: ProfileLimits): string {
  if (name === 'memory') return `memory ${limits.memory}`;
  if (name === 'cpu') return `cpus ${limits.cpus}`;
  return `pids ${limits.pids}`;
}

/**
 * The profile's answer to limits the engine will not hold: `required` refuses the run with the
 * reason and the fix; `best-effort` runs and names each limit that will not hold. Never silent.
 */
export function enforceLimits(v: LimitsVerdict, limits: ProfileLimits, profileName: string, progress: Progress): void {
  const missing = NAMES.filter((n) => !v.held[n]);
  if (missing.length === 0) return;
  const list = missing.map((n) => describe(n, limits)).join(', ');
  if (limits.enforcement === 'required') {
    throw new PolicyError(`profile ${profileName} requires its limits, but ${v.engine} will not enforce: ${list} (${v.reason})`, { hint: `fix: ${v.fix}; or set limits.enforcement: best-effort` });
  }
  progress.notice(`warning: these limits will NOT hold on ${v.engine}: ${list} (${v.reason})`);
}
