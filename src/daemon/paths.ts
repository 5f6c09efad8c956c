import path from 'node:path';
import { runDir, stateDir } from '../common/paths.js';

/** Where the daemon's sockets live (common/paths.ts): the client reads the same variable, so both sides agree. */
export { runDir };

/** The user's own directory: 0700 and owned by them, so only they can reach the socket inside. */
export function userSocketDir(uid: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runDir(env), 'u', String(uid));
}

export function userSocketPath(uid: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userSocketDir(uid, env), 'gobox.sock');
}

/** One daemon per run dir: its pid is kept here. */
export function daemonPidFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runDir(env), 'gobox.pid');
}

/** JSON lines, one per sandbox start and end. GOBOX_AUDIT_LOG overrides the state dir's file. */
export function auditLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.GOBOX_AUDIT_LOG ? path.resolve(env.GOBOX_AUDIT_LOG) : path.join(stateDir(env, 0), 'audit.jsonl');
}

/** Where a user without a socket asks for one (knock.ts): anyone may create a file, nobody may list. */
export function knockDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runDir(env), 'knock');
}
