import { lstatSync } from 'node:fs';
import path from 'node:path';
import { PolicyError } from '../common/errors.js';
import { socketPath } from './discover.js';
import type { EndpointInfo } from './engine.js';

/**
 * A rootless engine runs every container as the user who owns its socket. Talking to another
 * user's socket would run our command as them and leave our files in their storage, so a
 * non-root caller refuses any socket (or socket directory) owned by a different, non-root uid.
 * The system sockets are root's and shared through their group; those stay allowed.
 */
export function checkSocketOwner(ep: EndpointInfo, uid = process.getuid?.() ?? 0): void {
  const sock = socketPath(ep.url);
  if (!sock || uid === 0) return;
  for (const p of [sock, path.dirname(sock)]) {
    let owner: number;
    try {
      owner = lstatSync(p).uid;
    } catch {
      continue;
    }
    if (owner !== 0 && owner !== uid) {
      throw new PolicyError(`refusing ${ep.via} ${sock}: ${p} belongs to uid ${owner}, not to you (uid ${uid}); a rootless engine runs everything as its owner`, {
        hint: `use your own engine: unset DOCKER_HOST/XDG_RUNTIME_DIR so gobox finds /run/user/${uid}, or ask that user to remove ${p}`,
      });
    }
  }
}
