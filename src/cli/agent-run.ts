import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GoboxError } from '../common/errors.js';
import { printNotice } from './output.js';
import { haveTty, TerminalBridge } from './terminal.js';
import { daemonSocket } from '../daemon/route.js';
import { MAX_HEADER_BYTES } from '../wire/frames.js';
import { callServer, type ExitPayload } from '../wire/client.js';
import { parseAgentRun } from '../agent/argv.js';
import { agentDir, agentDisabled, agentSocket, ownSocket, STARTING_MS, startingMarker } from '../agent/location.js';
import type { AgentRequest } from '../wire/agent-request.js';

/** Nothing answered on the agent's socket: the run goes direct, and an agent is started for the next one. */
class NoAgent extends GoboxError {
  constructor() {
    super('no agent answers');
  }
}

export interface AgentRunOptions {
  /** Run without a TTY even on a terminal (an answer the shim keeps must not carry a TTY's line ends). */
  tty?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/**
 * `gobox run` through the user's warm agent, which has gobox's modules loaded and the engine
 * connected, so a run costs little more than the engine's own work. Returns the exit code, or
 * undefined when this run must go the direct way: the agent is off or not up yet (it is then
 * started for the next run), the arguments need the full CLI, or a daemon serves this user.
 * This module's imports are kept small on purpose: they are all a warm run loads.
 */
export async function runThroughAgent(argv: string[], env: NodeJS.ProcessEnv = process.env, o: AgentRunOptions = {}): Promise<number | undefined> {
  if (agentDisabled(env)) return undefined;
  const args = parseAgentRun(argv);
  if (!args || daemonSocket(env)) return undefined;
  const uid = process.getuid?.() ?? 0;
  const dir = agentDir(env, uid, true);
  if (!dir) return undefined;
  const tty = o.tty ?? haveTty();
  // The agent protocol's version as a literal: this module must not load the zod schema that
  // holds AGENT_PROTOCOL, and the AgentRequest type makes tsc check the two agree.
  const request: AgentRequest = {
    v: 1, cwd: process.cwd(), command: args.command, env: stringEnv(env), tty,
    ...(args.profile ? { profile: args.profile } : {}),
    ...(args.go ? { go: args.go } : {}),
  };
  // An environment too large for one request line (some module systems export a lot): direct.
  if (Buffer.byteLength(JSON.stringify(request)) >= MAX_HEADER_BYTES) return undefined;
  const sock = agentSocket(dir, env);
  if (!ownSocket(sock, uid)) {
    startAgent(sock, env);
    return undefined;
  }
  // Made once connected: a bridge that was never used must not have paused stdin for the
  // direct run that follows when no agent answers.
  let terminal: TerminalBridge | undefined;
  try {
    const outcome = (await callServer(sock, {
      header: request,
      io: { stdin: process.stdin, stdout: o.stdout ?? process.stdout, stderr: o.stderr ?? process.stderr },
      forwardStdin: true,
      onConnect: () => (terminal = new TerminalBridge(tty)),
      onStart: (control) => terminal?.attach(control),
      onNotice: (text) => printNotice(text),
      notRunning: () => new NoAgent(),
      lost: () => new GoboxError('lost the connection to your gobox agent (it was stopped); your sandbox was stopped', { hint: 'run the command again' }),
    })) as ExitPayload;
    terminal?.restore();
    if (outcome.message) printNotice(outcome.message);
    for (const n of outcome.notices) printNotice(n);
    return outcome.exitCode;
  } catch (e) {
    if (!(e instanceof NoAgent)) throw e;
    // A socket nobody listens on: the agent died (killed, machine slept through its idle exit).
    startAgent(sock, env);
    return undefined;
  } finally {
    terminal?.restore();
  }
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * Starts `gobox agent` in the background for the next run; this run does not wait for it. The
 * agent clears a dead socket itself, and of two agents started at once the second one exits.
 */
function startAgent(sock: string, env: NodeJS.ProcessEnv): void {
  // Best effort: this run goes direct either way, so a full disk or a failed spawn costs only
  // the next run's speed, never this run.
  try {
    // One start at a time: runs that come in while an agent is coming up go direct, and do not
    // each start another (a class starting builds at once).
    const marker = startingMarker(sock);
    try {
      if (Date.now() - statSync(marker).mtimeMs < STARTING_MS) return;
    } catch {
      // no start under way
    }
    writeFileSync(marker, String(process.pid), { mode: 0o600 });
    const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bin.js');
    const log = openSync(sock.replace(/\.sock$/, '.log'), 'w', 0o600);
    try {
      // In /, so the agent never holds a project directory open or fails once it is deleted.
      const child = spawn(process.execPath, [bin, 'agent'], { cwd: '/', env, detached: true, stdio: ['ignore', log, log] });
      child.on('error', () => {});
      child.unref();
    } finally {
      closeSync(log);
    }
  } catch {
    // no agent this time
  }
}
