import { GoboxError, PolicyError } from '../common/errors.js';
import type { Progress } from '../common/progress.js';
import { parseDuration, parseSize } from '../common/units.js';
import { loadProfile } from '../config/profiles.js';
import type { HostConfig } from '../config/schema.js';
import { buildSandboxSpec } from '../sandbox/spec.js';
import { applyPolicy, type EffectivePolicy } from './policy.js';
import { gateSpec } from './mount-gate.js';
import type { ProbedProject } from './path-safety.js';
import type { DaemonRequest } from '../wire/daemon-request.js';
import type { HostUser } from './users.js';
import { afterRunCache, cacheVolumeName } from '../app/cache/index.js';
import { executeSandbox } from '../app/run/index.js';
import type { RunControl, RunIO, RunOutcome } from '../common/run-io.js';
import { writeIdentityFiles } from '../app/run/index.js';
import { envReport, prepareRun, type EnvReport, type PreparedRun } from '../app/run/index.js';
import { readyEngine } from '../app/run/index.js';

export interface DaemonRunInput {
  user: HostUser;
  request: DaemonRequest;
  policy: EffectivePolicy;
  host: { file?: string; config: HostConfig };
  /** The project as the user reached it (path-safety.ts). */
  project: ProbedProject;
  /** The daemon's own settings (state dir, config paths); the user's environment never gets here. */
  daemonEnv: NodeJS.ProcessEnv;
  progress: Progress;
}

/**
 * The environment prepareRun sees: the daemon's paths, no home (so no user profile layer: a user
 * cannot write their own limits), and the Go settings the request carries, which the host's
 * go-env rules then check as for any caller.
 */
function requestEnv(i: DaemonRunInput): NodeJS.ProcessEnv {
  const keep = ['PATH', 'GOBOX_STATE_DIR', 'GOBOX_CONFIG', 'GOBOX_SYSTEM_CONFIG_DIR', 'GOBOX_GO_MIRROR'];
  const base = Object.fromEntries(keep.filter((k) => i.daemonEnv[k] !== undefined).map((k) => [k, i.daemonEnv[k]]));
  return { ...base, ...i.request.env, HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' };
}

/**
 * prepareRun as for a direct run, then the daemon's choices on top: the user is the socket's,
 * not root's pick; the profile is the policy-checked one; the project must be what the user's
 * own check found (root resolving it again must not land somewhere else).
 */
export async function prepareDaemonRun(i: DaemonRunInput): Promise<PreparedRun> {
  const env = requestEnv(i);
  const name = i.request.profile ?? i.host.config.defaultProfile;
  const loaded = await loadProfile(name, env);
  const profile = applyPolicy(loaded.name, loaded.profile, i.request.limits, i.policy, i.host.file);
  const p = await prepareRun({
    command: i.request.command, cwd: i.project.cwd, profile: name, go: i.request.go, env,
    tty: i.request.tty, stdin: i.request.stdin, progress: i.progress,
    // The socket's user, never root's own pick (which would refuse a root-owned project the user may use).
    sandboxUser: { uid: i.user.uid, gid: i.user.gid },
    // Version files as the user read them: root reading them could show a file the user may not.
    readText: async (file) => i.project.files[file],
  });
  if (p.project.root !== i.project.root || p.project.cwd !== i.project.cwd) {
    throw new PolicyError(`refused project directory ${i.project.cwd}: it changed while it was checked`);
  }
  const user = { uid: i.user.uid, gid: i.user.gid };
  p.user = user;
  p.loaded = { ...p.loaded, profile };
  Object.assign(p.inputs, { user, profile, cacheVolume: cacheVolumeName(user.uid), term: i.request.term });
  return p;
}

export interface DaemonExecHooks {
  io: RunIO;
  labels: Record<string, string>;
  onStart: (control: RunControl, containerName: string) => void;
}

/**
 * The daemon's sandboxes stand behind the mount gate, which compares the project bind-mounted
 * into the container with the directory the user opened. A pod gets no bind mount: the project
 * would be copied in, by the daemon, as root, from a tree the user controls (a hard link to a
 * file only root may read would travel with it). Until that copy runs as the user, a daemon on a
 * cluster refuses to make a sandbox, in one line, before anything exists on the cluster.
 */
export function refuseOnCluster(i: Pick<DaemonRunInput, 'host'>, what: string): void {
  if (i.host.config.engine.kind !== 'kubernetes') return;
  throw new GoboxError(`the gobox daemon does not ${what} on the Kubernetes engine (host config engine.kind: kubernetes): it would copy your project into the pod as root, not as you`, {
    hint: 'ask the administrator for direct access to the cluster (engine.kubeconfig), or for a host where the daemon uses Docker or Podman',
  });
}

/** `gobox run` for the daemon: the same engine preparation and sandbox contract, behind the mount gate. */
export async function runForDaemon(i: DaemonRunInput, h: DaemonExecHooks): Promise<RunOutcome> {
  refuseOnCluster(i, 'run sandboxes');
  const p = await prepareDaemonRun(i);
  const engine = await readyEngine(p, i.progress);
  const ids = await writeIdentityFiles(p.user, i.user.name);
  const limits = p.loaded.profile.limits;
  let outcome: RunOutcome;
  try {
    const built = buildSandboxSpec({ ...p.inputs, identityFiles: ids });
    const spec = gateSpec({ ...built, labels: { ...built.labels, ...h.labels } }, i.project);
    outcome = await executeSandbox(engine, spec, h.io, {
      timeoutMs: parseDuration(limits.timeout) ?? 0,
      outputLimit: parseSize(limits.output) ?? 0,
      memoryLimit: spec.limits.memoryBytes,
      onStart: (control) => h.onStart(control, spec.name),
    });
  } finally {
    await ids.dispose();
  }
  outcome.notices.push(...(await afterRunCache(engine, p.user, p.loaded.profile, outcome)));
  return outcome;
}

/** `gobox env` through the daemon: what a run would get, with sources. */
export async function envForDaemon(i: DaemonRunInput): Promise<EnvReport> {
  return envReport(await prepareDaemonRun(i), 'daemon');
}
