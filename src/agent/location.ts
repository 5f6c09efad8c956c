import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateDirProblem } from '../common/private-dir.js';

/**
 * Where a user's warm agent listens. The socket's name carries a fingerprint of this build of
 * gobox and of the environment that steers gobox itself (engine, state dir, config, PATH, ...):
 * a caller whose settings differ, or a newer gobox, never reaches an agent that would act on
 * other settings; it starts its own, and the old one exits when idle. The sandbox's own Go
 * settings (GOPROXY, GOFLAGS, GOBOX_GO, ...) travel with each request instead.
 */
const STEERING = /^(GOBOX_|DOCKER_|CONTAINER_|XDG_|HOME$|PATH$|USER$|LOGNAME$|TMPDIR$|SUDO_|https?_proxy$|no_proxy$)/i;
/** Per-request values, read from the request's environment by prepareRun. */
const PER_REQUEST = new Set(['GOBOX_GO', 'GOBOX_PROFILE', 'GOBOX_AGENT', 'GOBOX_SHIM', 'GOBOX_SHIM_ACTIVE', 'GOBOX_SHIM_TIMINGS', 'GOBOX_SHIM_ANSWERS']);

/** What tells this build apart from the next: this file's own identity changes with every build or install. */
function buildId(): string {
  const self = fileURLToPath(import.meta.url);
  const st = statSync(self);
  return `${self}:${st.mtimeMs}:${st.size}:${process.execPath}:${process.version}`;
}

export function steeringFingerprint(env: NodeJS.ProcessEnv): string {
  const pairs = Object.keys(env)
    .filter((k) => STEERING.test(k) && !PER_REQUEST.has(k))
    .sort()
    .map((k) => `${k}=${env[k]}`);
  return createHash('sha256').update(buildId()).update('\0').update(pairs.join('\0')).digest('hex').slice(0, 16);
}

/** True when GOBOX_AGENT turns the agent off. */
export function agentDisabled(env: NodeJS.ProcessEnv): boolean {
  return /^(off|0|false|no)$/i.test(env.GOBOX_AGENT ?? '');
}

/**
 * The user's private directory for agent sockets: in XDG_RUNTIME_DIR when that is theirs, else
 * /tmp/gobox-agent-UID. Undefined when the directory is not safely the user's own (another user
 * could have made it first): then there is no agent, and runs go direct.
 */
export function agentDir(env: NodeJS.ProcessEnv, uid: number, create: boolean): string | undefined {
  const runtime = env.XDG_RUNTIME_DIR;
  const dir = runtime && ownPrivateDir(runtime, uid) ? path.join(runtime, 'gobox') : `/tmp/gobox-agent-${uid}`;
  if (create) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
  }
  return ownPrivateDir(dir, uid) ? dir : undefined;
}

function ownPrivateDir(dir: string, uid: number): boolean {
  try {
    return privateDirProblem(lstatSync(dir), uid) === undefined;
  } catch {
    return false;
  }
}

export function agentSocket(dir: string, env: NodeJS.ProcessEnv): string {
  return path.join(dir, `agent-${steeringFingerprint(env)}.sock`);
}

/** The socket, when it is a socket and the user's own. */
export function ownSocket(sock: string, uid: number): boolean {
  try {
    const st = lstatSync(sock);
    return st.isSocket() && st.uid === uid;
  } catch {
    return false;
  }
}

/** Written by the run that starts an agent, removed by the agent once it listens. */
export function startingMarker(sock: string): string {
  return sock.replace(/\.sock$/, '.starting');
}
/** A start marker older than this is from an agent that never came up: the next run tries again. */
export const STARTING_MS = 10_000;
