import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, rmSync, statSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { socketListening } from '../common/socket-probe.js';
import { errorMessage, UsageError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { MAX_TIMER_MS, parseDuration } from '../common/units.js';
import { sendExit, sendFrame } from '../wire/send.js';
import { FRAME } from '../wire/frames.js';
import type { ErrorPayload } from '../wire/replies.js';
import { AfterRuns } from './after-runs.js';
import { agentRouting, clearRoute, rerouteReason, writeRoute, type Routing } from './shim-route.js';
import { acceptConnection, killNow, type Session } from '../wire/session.js';
import type { HostUser } from '../common/host-user.js';
import { WarmPool } from '../app/warm/pool.js';
import { FitMemo } from '../app/run/fit-memo.js';
import { agentDir, agentSocket, startingMarker } from './location.js';
import { agentRequest, type AgentRequest } from '../wire/agent-request.js';
import { watchToolchainsForMounts } from '../toolchain/mount-watch.js';

const log = logger('agent');
const DEFAULT_IDLE = '10m';
const SOCKET_CHECK_MS = 2_000;

function parseAgentRequest(line: string): AgentRequest {
  const r = agentRequest.safeParse(JSON.parse(line));
  if (!r.success) throw new Error(`invalid request: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? ''}`);
  return r.data;
}

/** One run, exactly as a direct `gobox run` does it, with the session's streams. */
async function serveRun(s: Session<AgentRequest>, warm: WarmPool, after: AfterRuns, fitMemo: FitMemo, routing: Routing): Promise<void> {
  const r = s.request;
  log.debug(`run ${s.id}: request read (at +${performance.now().toFixed(0)}ms)`);
  const reroute = rerouteReason(r, routing);
  if (reroute) {
    log.debug(`run ${s.id}: handed back to the caller: ${reroute}`);
    sendFrame(s.socket, FRAME.error, JSON.stringify({ message: reroute, exitCode: 125, reroute: true } satisfies ErrorPayload));
    return;
  }
  for (const n of await after.settle()) s.progress.notice(`after your last run: ${n}`);
  const { runCommand } = await import('../app/run/index.js');
  const outcome = await runCommand({
    command: r.command, cwd: r.cwd, profile: r.profile, go: r.go, env: r.env, tty: r.tty, stdin: true,
    progress: s.progress,
    io: { stdin: s.stdin, stdout: s.stdout(), stderr: s.stderr() },
    onStart: (control) => s.started(control),
    warm,
    fitMemo,
    afterReply: (check) => after.add(check),
    removeLater: (removal) => after.remove(removal),
  });
  sendExit(s.socket, outcome);
  log.debug(`run ${s.id}: exit ${outcome.exitCode} sent (at +${performance.now().toFixed(0)}ms)`);
  // One line per run in the agent's own log (the user's, 0600, new with each agent).
  log.info(`served run ${s.id}${r.tty ? ' on a TTY' : ''}: exit ${outcome.exitCode} after ${outcome.durationMs} ms`);
}

/**
 * `gobox agent`: the user's warm gobox, started in the background by a run and serving the
 * runs after it on a private socket (agent/location.ts) until it has been idle for
 * GOBOX_AGENT_IDLE (10m). It runs as the user, with the user's own rights and nothing more.
 * When a client goes away, its sandbox is stopped and removed, as Ctrl-C would.
 */
export async function serveAgent(env: NodeJS.ProcessEnv = process.env, daemonServes: (env: NodeJS.ProcessEnv) => boolean = () => false): Promise<void> {
  const uid = process.getuid?.() ?? 0;
  const idleMs = parseDuration(env.GOBOX_AGENT_IDLE ?? DEFAULT_IDLE);
  if (!idleMs || idleMs > MAX_TIMER_MS) throw new UsageError(`GOBOX_AGENT_IDLE must be a duration like 10m or 30s (at most 24d), not ${JSON.stringify(env.GOBOX_AGENT_IDLE)}`);
  const dir = agentDir(env, uid, true);
  if (!dir) throw new UsageError(`no private directory for the agent's socket (XDG_RUNTIME_DIR or /tmp/gobox-agent-${uid} is not yours alone)`);
  const sock = agentSocket(dir, env);
  if (existsSync(sock)) {
    // Started twice at once, or after an agent that died: the first one keeps the socket.
    if (await socketListening(sock)) return;
    unlinkSync(sock);
  }
  watchToolchainsForMounts(); // long-lived: a toolchain proven once is watched, not re-stat'ed per run
  const info = os.userInfo();
  const me: HostUser = { name: info.username, uid, gid: process.getgid?.() ?? 0, home: info.homedir };
  const active = new Map<string, Session<AgentRequest>>();
  const warm = new WarmPool();
  const fitMemo = new FitMemo();
  const after = new AfterRuns();
  const routing = agentRouting(env, daemonServes);
  const server = net.createServer((conn) => {
    const id = randomBytes(6).toString('hex');
    clearTimeout(idle);
    acceptConnection<AgentRequest>(
      conn, me, id,
      async (s) => {
        active.set(id, s);
        await serveRun(s, warm, after, fitMemo, routing);
      },
      () => {
        active.delete(id);
        if (active.size === 0) armIdle();
      },
      { parse: parseAgentRequest, internalError: `the gobox agent failed on this request; see ${sock.replace(/\.sock$/, '.log')}, or bypass it with GOBOX_AGENT=off` },
    );
  });
  let idle: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  let socketIno = 0;
  let watch: NodeJS.Timeout | undefined;
  const ownsSocket = () => {
    try {
      return statSync(sock).ino === socketIno;
    } catch {
      return false;
    }
  };
  const stop = (why: string) => {
    log.info(`stopping: ${why}`);
    clearInterval(watch);
    clearRoute(dir, sock);
    if (ownsSocket()) unlinkSync(sock);
    for (const s of active.values()) killNow(s.control);
    // The sandbox started ahead goes with the agent; the server closes once runs have ended.
    stopping ??= import('../app/run/host-engine.js')
      .then(({ connectHostEngine }) => connectHostEngine(env))
      .then(async (engine) => {
        await after.drain(); // a trim or a removal under way finishes first
        await warm.drain(engine);
      })
      .catch((e: unknown) => log.warn(`removing the warm sandbox: ${errorMessage(e)}`))
      .finally(() => server.close());
  };
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => stop(`idle for ${env.GOBOX_AGENT_IDLE ?? DEFAULT_IDLE}`), idleMs);
    idle.unref();
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock, () => resolve());
  });
  chmodSync(sock, 0o600);
  socketIno = statSync(sock).ino;
  rmSync(startingMarker(sock), { force: true });
  // The newest agent is the one the shim's own client reaches (shim-route.ts).
  writeRoute(dir, sock);
  // Two agents started at once over a dead one's socket can both bind: the one whose socket was
  // replaced is unreachable, and steps aside instead of idling for nothing.
  watch = setInterval(() => {
    if (!ownsSocket()) stop('another agent took over the socket');
  }, SOCKET_CHECK_MS);
  watch.unref();
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  armIdle();
  log.info(`serving uid ${uid} on ${sock}`);
  // Warm up what every run needs, so the first run through the agent is as quick as the rest.
  // The engine the host config names: on a cluster, never a local engine started for nothing.
  const { connectHostEngine } = await import('../app/run/host-engine.js');
  await import('../app/run/index.js');
  await connectHostEngine(env).catch((e: unknown) => log.warn(`engine not reachable yet: ${errorMessage(e)}`));
  await new Promise<void>((resolve) => server.once('close', () => resolve()));
  await stopping;
}
