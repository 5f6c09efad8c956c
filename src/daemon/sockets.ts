import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { knockDir, runDir, userSocketDir, userSocketPath } from './paths.js';
import type { HostUser } from './users.js';

/** The run dir: root's; u/ may be traversed but not listed, so users do not learn each other's uids. */
export async function prepareRunDir(env: NodeJS.ProcessEnv): Promise<void> {
  const dir = runDir(env);
  await mkdir(path.join(dir, 'u'), { recursive: true, mode: 0o711 });
  await chown(dir, 0, 0);
  await chmod(dir, 0o755);
  await chown(path.join(dir, 'u'), 0, 0);
  await chmod(path.join(dir, 'u'), 0o711);
  // Sticky and not listable, like /tmp without read: a knock is seen by the daemon alone.
  await mkdir(knockDir(env), { recursive: true });
  await chown(knockDir(env), 0, 0);
  await chmod(knockDir(env), 0o1733);
}

/**
 * One listening socket for one user. The directory is made afresh by root and only handed to
 * the user once the socket is in place (socket 0600, dir 0700, both theirs): until then the user
 * can plant nothing in it, and afterwards nobody else can reach the socket. Which socket accepted
 * a connection is the caller's identity.
 */
export async function listenForUser(user: HostUser, env: NodeJS.ProcessEnv, onConnection: (sock: net.Socket) => void): Promise<net.Server> {
  const dir = userSocketDir(user.uid, env);
  const sock = userSocketPath(user.uid, env);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { mode: 0o700 });
  await chown(dir, 0, 0);
  const server = net.createServer({ allowHalfOpen: false }, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sock, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(sock, 0o600);
  await chown(sock, user.uid, user.gid);
  await chown(dir, user.uid, user.gid);
  return server;
}
