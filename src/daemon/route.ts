import { existsSync } from 'node:fs';
import { knockForSocket } from './knock-client.js';
import { userSocketDir, userSocketPath } from './paths.js';

/**
 * The daemon socket this CLI should use, or undefined for direct mode. A user's directory under
 * the run dir exists only when a daemon serves them, so it decides, not the socket: with the
 * directory there and no socket, the daemon is down and the user is told so, rather than
 * failing on an engine they may not be allowed to reach. Root always drives the engine itself;
 * GOBOX_DIRECT=1 forces direct mode for users who may reach the engine.
 */
export function daemonSocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const uid = process.getuid?.() ?? 0;
  if (uid === 0 || env.GOBOX_DIRECT === '1') return undefined;
  if (existsSync(userSocketDir(uid, env))) return userSocketPath(uid, env);
  // A user the daemon could not list (sssd, LDAP) gets a socket on first need.
  return knockForSocket(uid, env) ? userSocketPath(uid, env) : undefined;
}
