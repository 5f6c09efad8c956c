import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentRequest } from '../wire/agent-request.js';
import { steeringFingerprint } from './location.js';

/**
 * The file in the user's private agent dir that names the socket of their newest agent, for the
 * shim's own client (src/app/shim/client/main.go), which cannot compute the socket's fingerprint
 * the way location.ts does. That client asks this agent first, then the dir's other agent
 * sockets, newest first; each agent decides whether the call is its own (rerouteReason): the
 * fingerprint rules live here alone, in TypeScript.
 */
export const ROUTE_FILE = 'shim-route';

/** Names this agent's socket as the newest (atomic: a reader sees the old name or the new one). */
export function writeRoute(dir: string, sock: string): void {
  const tmp = path.join(dir, `.${ROUTE_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, `${sock}\n`, { mode: 0o600 });
  renameSync(tmp, path.join(dir, ROUTE_FILE));
}

/** Removes the route when it still names this agent's socket (a newer agent's stays). */
export function clearRoute(dir: string, sock: string): void {
  const file = path.join(dir, ROUTE_FILE);
  try {
    if (readFileSync(file, 'utf8').trim() === sock) rmSync(file, { force: true });
  } catch {
    // gone already
  }
}

/** What decides whether a call is this agent's: its own steering fingerprint and the daemon check. */
export interface Routing {
  /** steeringFingerprint of the agent's own environment and build, taken once at its start. */
  fingerprint: string;
  daemonServes: (env: NodeJS.ProcessEnv) => boolean;
}

/** The agent's routing, fixed at its start: a later rebuild of gobox changes the caller's build id, not the code this agent runs. */
export function agentRouting(env: NodeJS.ProcessEnv, daemonServes: Routing['daemonServes']): Routing {
  return { fingerprint: steeringFingerprint(env), daemonServes };
}

/**
 * Why this agent must not serve a request, which the caller's Node client then makes itself: the
 * caller's settings steer another agent (gobox's own environment differs from this agent's), or
 * a shared-host daemon serves this user. gobox's Node client never sends such a request (it
 * finds its agent by the same fingerprint, and goes to a daemon first); the shim's client does,
 * to every agent of the user's until one takes the call.
 */
export function rerouteReason(r: AgentRequest, routing: Routing): string | undefined {
  if (steeringFingerprint(r.env) !== routing.fingerprint) return 'this agent serves other gobox settings';
  if (routing.daemonServes(r.env)) return 'a gobox daemon serves this user';
  return undefined;
}
