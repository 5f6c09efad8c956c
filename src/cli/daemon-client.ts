import { z } from '../common/zod.js';
import type { RunControl, RunIO } from '../common/run-io.js';
import type { RunOptions } from '../app/run/index.js';
import { EngineUnavailableError, GoboxError } from '../common/errors.js';
import { GO_ENV_KEYS } from '../config/schema.js';
import { PROTOCOL_VERSION, type DaemonRequest, type LimitOverrides } from '../wire/daemon-request.js';
import { callServer, type ExitPayload } from '../wire/client.js';
import { classReply, type ClassRequest } from '../wire/class-request.js';
import type { JailRequest } from '../wire/jail-request.js';

/** What a direct run is asked (app/run/prepare.ts RunOptions), sent to the daemon instead. */
export interface ClientRun extends Pick<RunOptions, 'command' | 'cwd' | 'profile' | 'go' | 'env' | 'tty'> {
  op: DaemonRequest['op'];
  io: RunIO;
  onStart?: (control: RunControl) => void;
  onNotice?: (text: string) => void;
  trimTo?: number;
  class?: ClassRequest;
  jail?: JailRequest;
}

/** Limit overrides for daemon runs, e.g. GOBOX_LIMIT_MEMORY=1g; the daemon checks them against its policy. */
export function limitOverridesFromEnv(env: NodeJS.ProcessEnv): LimitOverrides {
  const o: LimitOverrides = {};
  if (env.GOBOX_LIMIT_MEMORY) o.memory = env.GOBOX_LIMIT_MEMORY;
  if (env.GOBOX_LIMIT_CPUS) o.cpus = Number(env.GOBOX_LIMIT_CPUS);
  if (env.GOBOX_LIMIT_PIDS) o.pids = Number(env.GOBOX_LIMIT_PIDS);
  if (env.GOBOX_LIMIT_TIMEOUT) o.timeout = env.GOBOX_LIMIT_TIMEOUT;
  if (env.GOBOX_LIMIT_OUTPUT) o.output = env.GOBOX_LIMIT_OUTPUT;
  return o;
}

function requestFor(r: ClientRun): DaemonRequest {
  const env = Object.fromEntries(GO_ENV_KEYS.filter((k) => r.env[k] !== undefined).map((k) => [k, r.env[k]!]));
  return {
    v: PROTOCOL_VERSION, op: r.op, cwd: r.cwd, command: r.command, env,
    ...(r.profile ?? r.env.GOBOX_PROFILE ? { profile: r.profile ?? r.env.GOBOX_PROFILE } : {}),
    ...(r.go ?? r.env.GOBOX_GO ? { go: r.go ?? r.env.GOBOX_GO } : {}),
    limits: limitOverridesFromEnv(r.env),
    tty: r.tty, stdin: r.op === 'run',
    ...(r.tty && r.env.TERM ? { term: r.env.TERM } : {}),
    ...(r.trimTo !== undefined ? { trimTo: r.trimTo } : {}),
    ...(r.class ? { class: r.class } : {}),
    ...(r.jail ? { jail: r.jail } : {}),
  };
}

function notRunning(socket: string, code: string | undefined): GoboxError {
  const why = code === 'EACCES' ? `permission denied on ${socket}` : `nothing answers on ${socket}`;
  return new EngineUnavailableError(`the gobox daemon is not running (${why})`, { hint: 'ask your administrator (root) to start it: systemctl start gobox' });
}

/**
 * One command through the daemon: the request line, then stdin, signals and window size up,
 * output and the outcome down. Resolves with the run's outcome (op run) or the result (op env).
 */
export function callDaemon(socket: string, r: ClientRun): Promise<ExitPayload | unknown> {
  return callServer(socket, {
    header: requestFor(r),
    io: r.io,
    forwardStdin: r.op === 'run',
    ...(r.onStart ? { onStart: r.onStart } : {}),
    ...(r.onNotice ? { onNotice: r.onNotice } : {}),
    notRunning: (code) => notRunning(socket, code),
    lost: () => new GoboxError('lost the connection to the gobox daemon (it stopped or restarted); your sandbox was stopped', { hint: 'run the command again' }),
  });
}

/** `gobox run` through the daemon, shaped like a direct run's outcome for the CLI. */
export async function runViaDaemon(socket: string, r: Omit<ClientRun, 'op'>): Promise<ExitPayload> {
  return (await callDaemon(socket, { ...r, op: 'run' })) as ExitPayload;
}

const envResult = z.object({
  meta: z.object({
    profile: z.object({ name: z.string(), file: z.string() }),
    project: z.string(),
    toolchain: z.object({ version: z.string(), path: z.string(), source: z.string(), detail: z.string() }),
    user: z.string(),
    cacheVolume: z.string(),
    network: z.string(),
    mode: z.string(),
  }),
  env: z.record(z.string(), z.object({ value: z.string(), source: z.string() })),
});
export type DaemonEnvResult = z.infer<typeof envResult>;

/** `gobox env` through the daemon: what the daemon would give a run from this directory. */
export async function envViaDaemon(socket: string, r: Pick<ClientRun, 'cwd' | 'profile' | 'go' | 'env'>): Promise<DaemonEnvResult> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  return envResult.parse(await callDaemon(socket, { ...r, op: 'env', command: ['go', 'env'], tty: false, io }));
}

const cacheInfoResult = z.object({
  uid: z.number(), volume: z.string(), mode: z.enum(['hard', 'soft']), limitBytes: z.number(), usedBytes: z.number(),
  buildBytes: z.number(), modBytes: z.number(), freeBytes: z.number().optional(), capacityBytes: z.number().optional(),
  attached: z.boolean(), image: z.string().optional(), mountpoint: z.string().optional(),
});
export type DaemonCacheInfo = z.infer<typeof cacheInfoResult>;

/** `gobox cache info` through the daemon: this user's cache, measured by the daemon. */
export async function cacheInfoViaDaemon(socket: string, r: Pick<ClientRun, 'cwd' | 'profile' | 'env'>): Promise<DaemonCacheInfo> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  return cacheInfoResult.parse(await callDaemon(socket, { ...r, op: 'cache-info', command: ['cache', 'info'], tty: false, io }));
}

const trimResult = z.object({
  uid: z.number(), volume: z.string(), beforeBytes: z.number(), afterBytes: z.number(), targetBytes: z.number(), modulesRemoved: z.number(),
});
export type DaemonTrimResult = z.infer<typeof trimResult>;

/** `gobox cache trim` through the daemon: this user's cache, trimmed by the daemon. */
export async function cacheTrimViaDaemon(socket: string, r: Pick<ClientRun, 'cwd' | 'profile' | 'env'>, to?: number): Promise<DaemonTrimResult> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  return trimResult.parse(await callDaemon(socket, { ...r, op: 'cache-trim', command: ['cache', 'trim'], tty: false, io, ...(to !== undefined ? { trimTo: to } : {}) }));
}

/** `gobox cache clear` through the daemon: this user's build and module cache emptied by the daemon. */
export async function cacheClearViaDaemon(socket: string, r: Pick<ClientRun, 'cwd' | 'profile' | 'env'>): Promise<{ uid: number; cleared: boolean }> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  return z.object({ uid: z.number(), cleared: z.boolean() }).parse(await callDaemon(socket, { ...r, op: 'cache-clear', command: ['cache', 'clear'], tty: false, io }));
}

/**
 * `gobox class ...` through the daemon, which checks host config `classes:` for this user. A
 * class run goes on in the daemon if this client goes away; its notices arrive as they happen.
 */
export async function classViaDaemon(socket: string, c: ClassRequest, env: NodeJS.ProcessEnv, onNotice: (text: string) => void): Promise<{ stdout: string; notices: string[] }> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  const clean = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as ClassRequest;
  return classReply.parse(await callDaemon(socket, { op: 'class', cwd: process.cwd(), command: ['class', c.action], env, tty: false, io, onNotice, class: clean }));
}
