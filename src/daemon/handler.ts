import { envForDaemon, runForDaemon, type DaemonRunInput } from './run-request.js';
import { PolicyError, UsageError, isGoboxError } from '../common/errors.js';
import { stateDir } from '../common/paths.js';
import { loadHostConfig } from '../config/host-config.js';
import { connectHostEngine } from '../app/run/host-engine.js';
import type { AuditLog } from './audit.js';
import { serveCacheOp } from './cache-ops.js';
import { serveClassOp } from './class-ops.js';
import { serveJailOp } from './jail-ops.js';
import { watchPeak } from './cgroup-stats.js';
import { sendExit, sendFrame } from '../wire/send.js';
import { probeProject } from './path-safety.js';
import { effectivePolicy } from './policy.js';
import { FRAME } from '../wire/daemon-request.js';
import { runDir } from './paths.js';
import type { Session } from '../wire/session.js';
import type { UserDirectory } from './user-directory.js';
import { allGroupsOf } from './user-groups.js';


/** Labels that mark a daemon's sandboxes: which daemon (its run dir) and which connection. */
export const DAEMON_LABEL = { daemon: 'gobox.daemon', conn: 'gobox.daemon-conn' } as const;

export interface DaemonState {
  env: NodeJS.ProcessEnv;
  key: string;
  audit: AuditLog;
  active: Map<string, Session>;
  shuttingDown: boolean;
  /** The host's users and groups: the last good read, so a failing NSS never empties them. */
  users: UserDirectory;
}

/** Paths no daemon sandbox may mount beyond the fixed list: this deployment's state, sockets and engine. */
function extraForbidden(env: NodeJS.ProcessEnv): string[] {
  const sock = env.DOCKER_HOST?.startsWith('unix://') ? [env.DOCKER_HOST.slice(7)] : [];
  return [stateDir(env, 0), runDir(env), '/var/run/docker.sock', '/run/docker.sock', '/run/podman', ...sock];
}

async function inputFor(s: Session, state: DaemonState): Promise<DaemonRunInput> {
  const host = await loadHostConfig(state.env);
  const { users, groups } = await state.users.current();
  const policy = effectivePolicy(host.config, s.user.name, await allGroupsOf(s.user, groups));
  const startsSandbox = (op: string) => op === 'run' || op === 'jail';
  if (startsSandbox(s.request.op)) {
    const mine = [...state.active.values()].filter((o) => o.user.uid === s.user.uid && startsSandbox(o.request.op) && o !== s).length;
    if (mine >= policy.maxSandboxes) {
      throw new PolicyError(`you already have ${mine} sandbox(es) running; the policy allows ${policy.maxSandboxes} at a time (policy.maxSandboxes)`, {
        hint: 'wait for one to finish, or ask an administrator to raise policy.maxSandboxes',
      });
    }
  }
  const otherHomes = users.filter((u) => u.uid !== s.user.uid).map((u) => u.home);
  const project = await probeProject(s.user, s.request.cwd, { ownHome: s.user.home, otherHomes, extra: extraForbidden(state.env) });
  return { user: s.user, request: s.request, policy, host, project, daemonEnv: state.env, progress: s.progress };
}

/** Serves one validated request as the socket's user. */
export async function handleSession(s: Session, state: DaemonState): Promise<void> {
  const who = { user: s.user.name, uid: s.user.uid };
  if (s.request.op.startsWith('cache-')) return serveCacheOp(s, state.env, state.audit);
  if (s.request.op === 'class') return serveClassOp(s, state);
  let input: DaemonRunInput;
  try {
    input = await inputFor(s, state);
  } catch (e) {
    if (e instanceof PolicyError || e instanceof UsageError) await state.audit.write({ event: 'refused', ...who, reason: e.message, command: s.request.command });
    throw e;
  }
  if (s.request.op === 'jail') return serveJailOp(s, input, state.audit, { [DAEMON_LABEL.daemon]: state.key, [DAEMON_LABEL.conn]: s.id });
  if (s.request.op === 'env') {
    sendFrame(s.socket, FRAME.result, JSON.stringify(await envForDaemon(input)));
    return;
  }
  const profile = s.request.profile ?? input.host.config.defaultProfile;
  const base = { ...who, session: s.id, profile, command: s.request.command };
  let peak: { stop(): number | undefined } | undefined;
  let ended = false;
  try {
    const outcome = await runForDaemon(input, {
      io: { stdin: s.request.stdin ? s.stdin : undefined, stdout: s.stdout(), stderr: s.stderr() },
      labels: { [DAEMON_LABEL.daemon]: state.key, [DAEMON_LABEL.conn]: s.id },
      onStart: (control) => {
        s.started(control);
        void state.audit.write({ event: 'start', ...base, cwd: input.project.cwd });
        void connectHostEngine(state.env).then((engine) => engine.listSandboxes({ [DAEMON_LABEL.conn]: s.id })).then((l) => {
          if (l[0]) peak = watchPeak(l[0].id);
        }).catch(() => {});
      },
    });
    const peakMemoryBytes = peak?.stop();
    ended = true;
    await state.audit.write({ event: 'end', ...base, exitCode: outcome.exitCode, reason: outcome.reason, durationMs: outcome.durationMs, ...(peakMemoryBytes ? { peakMemoryBytes } : {}) });
    if (state.shuttingDown) {
      throw new UsageError('the gobox daemon stopped (restart or shutdown) while your command ran; the sandbox was stopped', { hint: 'run it again' });
    }
    sendExit(s.socket, outcome);
  } catch (e) {
    peak?.stop();
    if (!ended) await state.audit.write({ event: 'end', ...base, exitCode: isGoboxError(e) ? e.exitCode : 125, reason: `error: ${(e as Error).message}`.slice(0, 300), durationMs: 0 });
    throw e;
  }
}
