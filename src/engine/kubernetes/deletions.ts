import { closeSync, constants, fstatSync, lstatSync, openSync, rmdirSync, unlinkSync, type Stats } from 'node:fs';
import { Writable } from 'node:stream';
import { errorMessage } from '../../common/errors.js';
import { formatSize } from '../../common/units.js';
import type { KubeClients } from './client.js';
import { execIn } from './exec.js';
import { SYNC_CONTAINER } from './sync-sidecar.js';
import { entryOf, identityOf, parsePodListing, planDeletions, unchangedSince, type TreeSnapshot } from './tree-snapshot.js';

const LISTING_CAP = 64 * 1024 ** 2;
const MAX_OPEN_DIRS = 128;
const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? errorMessage(e);

/**
 * The project's directories held open, each reached from the one above it through
 * /proc/self/fd/N/NAME with O_NOFOLLOW: a name is looked up in the very directory that was
 * checked, so a component swapped for a symlink meanwhile fails (ELOOP) instead of leading out of
 * the project, and a directory replaced by another one fails its identity check.
 */
class HeldDirs {
  private fds = new Map<string, number | string>();
  constructor(private readonly s: TreeSnapshot) {}

  /** The directory's fd, or why it cannot be used. */
  open(rel: string): number | string {
    const have = this.fds.get(rel);
    if (have !== undefined) return have;
    if (this.fds.size >= MAX_OPEN_DIRS) this.close();
    const held = this.reach(rel);
    this.fds.set(rel, held);
    return held;
  }

  private reach(rel: string): number | string {
    const up = rel ? this.open(parentOf(rel)) : undefined;
    if (typeof up === 'string') return up;
    let fd: number;
    try {
      fd = up === undefined ? openSync(this.s.root, constants.O_RDONLY | constants.O_DIRECTORY) : openSync(`/proc/self/fd/${up}/${baseOf(rel)}`, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    } catch (e) {
      const c = code(e);
      return c === 'ELOOP' || c === 'ENOTDIR' ? `${rel || '.'} is no longer a directory on the host` : `${rel || '.'} cannot be opened on the host (${c})`;
    }
    const want = rel ? this.s.entries.get(rel)?.identity : this.s.rootIdentity;
    if (identityOf(fstatSync(fd, { bigint: true })) !== want) {
      closeSync(fd);
      return `${rel || 'the project directory'} was replaced on the host since the copy in`;
    }
    return fd;
  }

  close(): void {
    for (const fd of this.fds.values()) if (typeof fd === 'number') closeSync(fd);
    this.fds.clear();
  }
}

const parentOf = (rel: string) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
const baseOf = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1);

/**
 * Deletes on the host what the command deleted in the pod (`rels`, children before parents, from
 * planDeletions), within the project only and never through a symlink. An entry is deleted only
 * while it is what was copied in: a file changed on the host since is kept and named, and a
 * directory is removed only once empty (rmdir), so anything new in it stays too.
 */
export function deleteRemoved(s: TreeSnapshot, rels: string[], asOwner?: { uid: number }): { deleted: number; kept: string[] } {
  const dirs = new HeldDirs(s);
  const kept: string[] = [];
  let deleted = 0;
  try {
    for (const rel of rels) {
      const copied = s.entries.get(rel);
      if (!copied) continue;
      const up = dirs.open(parentOf(rel));
      if (typeof up === 'string') {
        kept.push(`${rel} (${up})`);
        continue;
      }
      const at = `/proc/self/fd/${up}/${baseOf(rel)}`;
      const denied = asOwner ? ownerMayNotDelete(fstatSync(up), at, asOwner.uid) : undefined;
      if (denied) {
        kept.push(`${rel} (${denied})`);
        continue;
      }
      let now;
      try {
        now = entryOf(lstatSync(at, { bigint: true }));
      } catch (e) {
        if (code(e) !== 'ENOENT') kept.push(`${rel} (${code(e)})`);
        continue; // gone on the host too
      }
      if (!unchangedSince(copied, now)) {
        kept.push(`${rel} (changed on the host since the copy in)`);
        continue;
      }
      try {
        if (copied.type === 'dir') rmdirSync(at);
        else unlinkSync(at);
        deleted++;
      } catch (e) {
        kept.push(code(e) === 'ENOTEMPTY' || code(e) === 'EEXIST' ? `${rel}/ (holds files on the host that the command did not delete)` : `${rel} (${code(e)})`);
      }
    }
  } finally {
    dirs.close();
  }
  return { deleted, kept };
}

/**
 * Root acting for the project's owner deletes only what the owner could delete on the host: in
 * the pod every copied file is the owner's, so a file in a directory of root's (or of anyone
 * else's) would otherwise go by root's hand. Conservative: the directory must be the owner's and
 * writable by them, and in a sticky one the entry must be theirs too.
 */
function ownerMayNotDelete(dir: Stats, at: string, uid: number): string | undefined {
  if (dir.uid !== uid || !(dir.mode & 0o200)) return `its directory is not the owner's to change on the host (uid ${dir.uid})`;
  if (dir.mode & 0o1000) {
    const entryUid = lstatSync(at, { throwIfNoEntry: false })?.uid;
    if (entryUid !== undefined && entryUid !== uid) return `not the owner's, in a sticky directory (uid ${entryUid})`;
  }
  return undefined;
}

/**
 * Applies the command's deletions to the host copy of a synced dir: lists everything left in the
 * pod, then deletes what was copied in and is no longer there. A listing that fails or is cut
 * (a directory the command made unreadable, a flood of files) deletes nothing: only a complete
 * listing can say a file is gone.
 */
export async function applyPodDeletions(c: KubeClients, ns: string, pod: string, podPath: string, s: TreeSnapshot, owner: { uid: number }): Promise<string[]> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  // Kept as each chunk is written (a Writable, not a stream's 'data' events), so all of it is here once the exec has ended.
  const sink = new Writable({
    write(b: Buffer, _enc, cb) {
      bytes += b.length;
      if (bytes <= LISTING_CAP) chunks.push(b);
      cb();
    },
  });
  const r = await execIn(c, ns, pod, SYNC_CONTAINER, ['/bin/sh', '-c', 'cd "$1" && find . ! -path . -print0', 'list', podPath], { stdout: sink });
  if (r.exitCode !== 0) return [`warning: files deleted in the pod are not deleted in ${s.root}: listing the pod's copy failed (exit ${r.exitCode}: ${r.stderr.trim().split('\n')[0] ?? ''})`];
  if (bytes > LISTING_CAP) return [`warning: files deleted in the pod are not deleted in ${s.root}: the pod's listing is over ${formatSize(LISTING_CAP)}`];
  // gobox run by root for the project's owner: the owner's rights on the host, not root's.
  const asOwner = process.getuid?.() === 0 && owner.uid !== 0 ? owner : undefined;
  const { kept } = deleteRemoved(s, planDeletions(s, parsePodListing(Buffer.concat(chunks))), asOwner);
  if (!kept.length) return [];
  return [`warning: deleted in the pod but kept in ${s.root}: ${kept.slice(0, 5).join('; ')}${kept.length > 5 ? ` and ${kept.length - 5} more` : ''}`];
}
