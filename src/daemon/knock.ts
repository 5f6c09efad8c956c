import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { errorMessage } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { knockDir } from './paths.js';
import type { HostUser } from './users.js';
import { userByUid } from './users.js';

const log = logger('serve');
/** A uid asks at most this often; knocks in between are removed unanswered. */
const PER_UID_MS = 5_000;

/**
 * "Make my socket": how users that NSS does not enumerate (sssd, LDAP) are served on first need.
 * A client that finds no directory of its own under the run dir drops a file into knock/ (1733:
 * anyone may create, nobody may list or remove another's). The kernel sets the file's owner, so
 * that is who asks; the name says nothing. The daemon removes the file and, when its policy
 * serves that uid (looked up by uid, which NSS answers without enumeration), makes the socket.
 */
export function watchKnocks(env: NodeJS.ProcessEnv, serve: (user: HostUser) => Promise<void>): FSWatcher {
  const dir = knockDir(env);
  const last = new Map<number, number>();
  let busy = false;
  let again = false;
  const sweep = async (): Promise<void> => {
    if (busy) return void (again = true);
    busy = true;
    try {
      for (const name of await readdir(dir).catch(() => [])) {
        const file = `${dir}/${name}`;
        const st = await lstat(file).catch(() => undefined);
        // Removed once answered: the client waits for that, then looks for its socket.
        const answered = () => rm(file, { force: true, recursive: true }).catch(() => {});
        if (!st || st.uid === 0 || Date.now() - (last.get(st.uid) ?? 0) < PER_UID_MS) {
          await answered();
          continue;
        }
        last.set(st.uid, Date.now());
        const user = await userByUid(st.uid).catch((e: unknown) => log.warn(`knock from uid ${st.uid}: ${errorMessage(e)}`));
        if (user) await serve(user).catch((e: unknown) => log.warn(`knock from ${user.name} (${user.uid}): ${errorMessage(e)}`));
        await answered();
      }
    } finally {
      busy = false;
      if (again) (again = false, void sweep());
    }
  };
  const w = watch(dir, () => void sweep());
  w.on('error', (e) => log.warn(`cannot watch ${dir}: ${errorMessage(e)}`));
  void sweep();
  return w;
}
