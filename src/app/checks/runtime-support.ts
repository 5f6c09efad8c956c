import { ImageError, PolicyError, errorMessage } from '../../common/errors.js';
import type { Progress } from '../../common/progress.js';
import type { Engine, RuntimeDetail } from '../../engine/index.js';
import type { Finding } from './doctor.js';
import { ensureImage } from '../image/ensure.js';
import { archiveHint, loadImageFromArchive } from '../image/transfer.js';
import { enforceLimits, probedLimits } from './limits-enforcement.js';
import type { PreparedRun } from '../run/prepare.js';

export const RUNSC_DAEMON_JSON = '{"runtimes":{"runsc":{"path":"/usr/bin/runsc","runtimeArgs":["--network=none"]}}}';
const REGISTER_RUNSC = `add ${RUNSC_DAEMON_JSON} to /etc/docker/daemon.json and reload dockerd (kill -HUP $(pidof dockerd)), or run: sudo bash scripts/setup-runsc.sh`;

export interface RuntimeFacts {
  runtime: string | undefined;
  /** The network mode the sandbox gets (a jail is always none). */
  network: 'none' | 'open' | 'proxy';
  engineKind: string;
  rootless: boolean;
  details: Record<string, RuntimeDetail>;
  defaultRuntime: string;
  /** The profile's pids limit: under gVisor it also counts the sandbox kernel's own threads. */
  pids: number;
}

/**
 * runsc puts its Sentry and gofer threads in the container's pids cgroup: with gobox's mounts
 * they take about 100 on a 2-core host (pids 96 failed to start, 128 worked), so a smaller
 * limit means the sandbox dies at start with exit 2 and no message.
 */
export const RUNSC_MIN_PIDS = 256;

/**
 * Whether the requested OCI runtime can run this sandbox, as an error with the fix. gVisor
 * (runsc) is accepted only on rootful Docker, registered with --network=none, for network `none`:
 * Debian's runsc cannot start a container with its own networking on ("cannot run with network
 * enabled in root network namespace"), and with --network=none a bridge network would silently
 * be no network at all, so any other network mode is refused rather than quietly cut off.
 */
export function runtimeProblem(f: RuntimeFacts): PolicyError | undefined {
  const rt = f.runtime;
  if (!rt || rt === f.defaultRuntime || rt === 'runc') return undefined;
  if (rt === 'runsc' && f.engineKind === 'podman') {
    return new PolicyError(`runtime runsc (gVisor) is not supported with ${f.rootless ? 'rootless ' : ''}Podman in gobox`, { hint: 'use runsc with rootful Docker, or remove runtime: runsc from the profile' });
  }
  const detail = f.details[rt];
  if (!detail) {
    const hint = rt === 'runsc' ? `register it: apt-get install runsc, then ${REGISTER_RUNSC}` : `register it with the engine (runtimes in /etc/docker/daemon.json), or remove runtime: ${rt} from the profile`;
    return new PolicyError(`runtime ${rt} is not registered with the ${f.engineKind} engine (it knows: ${Object.keys(f.details).join(', ') || 'none'})`, { hint });
  }
  if (rt === 'runsc' && !detail.args.includes('--network=none')) {
    return new PolicyError('runtime runsc is registered without --network=none, and Debian\'s runsc cannot start containers with its own networking', { hint: `register it with runtimeArgs ["--network=none"]: ${REGISTER_RUNSC}` });
  }
  if (rt === 'runsc' && f.pids < RUNSC_MIN_PIDS) {
    return new PolicyError(`runtime runsc needs limits.pids of at least ${RUNSC_MIN_PIDS}, and this profile sets ${f.pids}: under gVisor the limit also counts the sandbox kernel's own threads`, {
      hint: `raise limits.pids to ${RUNSC_MIN_PIDS} or more, or remove runtime: runsc`,
    });
  }
  if (rt === 'runsc' && f.network !== 'none') {
    return new PolicyError(`runtime runsc runs only sandboxes with network none, and this profile asks for network ${f.network}`, {
      hint: 'set network: none in the profile (modules must then be in the cache already), or remove runtime: runsc',
    });
  }
  return undefined;
}

export async function runtimeFacts(engine: Engine, runtime: string | undefined, network: RuntimeFacts['network'], pids: number): Promise<RuntimeFacts> {
  const info = await engine.info();
  const podman = await engine.podmanInfo();
  return { runtime, network, engineKind: info.kind, rootless: podman?.rootless ?? info.rootless, details: await engine.runtimeDetails(), defaultRuntime: info.defaultRuntime, pids };
}

/**
 * The one engine-fit step of a run (app/run/run.ts readyEngine): the runtime can run this sandbox,
 * the image is there (loaded from the admin's archive into a rootless engine), and the profile's
 * limits will hold, or the profile's enforcement says what happens when they do not.
 */
export async function checkSandboxSupport(engine: Engine, p: PreparedRun, progress: Progress): Promise<void> {
  const profile = p.loaded.profile;
  const runtime = p.inputs.runtime ?? profile.runtime;
  const facts = await runtimeFacts(engine, runtime, profile.jail ? 'none' : profile.network, profile.limits.pids);
  const problem = runtimeProblem(facts);
  if (problem) throw problem;
  if (!(await engine.imageExists(profile.image)) && !(await loadImageFromArchive(engine, profile.image, progress))) {
    try {
      await ensureImage(engine, profile.image, progress);
    } catch (e) {
      if (!facts.rootless || !(e instanceof ImageError)) throw e;
      throw new ImageError(`your rootless ${facts.engineKind} has no sandbox image ${profile.image} and cannot build it (${errorMessage(e)})`, { hint: archiveHint(profile.image) });
    }
  }
  let verdict;
  try {
    verdict = await probedLimits(engine, profile.image, runtime);
  } catch (e) {
    verdict = { held: { memory: false, cpu: false, pids: false }, source: 'none' as const, engine: facts.engineKind, reason: `the limits probe failed: ${errorMessage(e)}`, fix: 'run gobox doctor', probedAt: '' };
  }
  enforceLimits(verdict, profile.limits, p.loaded.name, progress);
}

/** Doctor: the profile's runtime, and whether gVisor is registered and how to register it. */
export function runtimeFinding(f: RuntimeFacts): Finding {
  const problem = runtimeProblem(f);
  if (problem) return { check: 'runtime', status: 'fail', detail: problem.message, fix: problem.hint ?? '' };
  const runsc = f.details.runsc;
  const gvisor = f.engineKind === 'podman'
    ? 'gVisor: not supported with Podman'
    : runsc ? `gVisor: runsc registered (${runsc.path} ${runsc.args.join(' ')}), usable for network none` : 'gVisor: runsc not registered';
  const detail = `${f.runtime ?? f.defaultRuntime}${f.runtime ? ' (from the profile)' : ' (engine default)'}; ${gvisor}`;
  return { check: 'runtime', status: 'ok', detail, fix: f.engineKind === 'docker' && !runsc ? `optional, to use runtime: runsc: apt-get install runsc, then ${REGISTER_RUNSC}` : '' };
}
