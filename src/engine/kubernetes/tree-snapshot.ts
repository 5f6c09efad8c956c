import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/** What an entry of the project was when it was copied into the pod. */
export interface SnapshotEntry {
  type: 'file' | 'dir' | 'link';
  /** Device, inode, size, mtime and ctime in ns: any change on the host since the copy in changes it. */
  stamp: string;
  /** Device and inode only: which object it is, whatever was written into it. */
  identity: string;
}

/** The project as it was copied in: its root's identity and every entry under it, by relative path ("a/b"). */
export interface TreeSnapshot {
  root: string;
  rootIdentity: string;
  entries: Map<string, SnapshotEntry>;
}

const typeOf = (st: BigIntStats): SnapshotEntry['type'] | undefined =>
  st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : undefined;

export const identityOf = (st: BigIntStats): string => `${st.dev}:${st.ino}`;

/** One entry as the snapshot keeps it; undefined for what is never copied in nor deleted (sockets, fifos, devices). */
export function entryOf(st: BigIntStats): SnapshotEntry | undefined {
  const type = typeOf(st);
  if (!type) return undefined;
  const identity = identityOf(st);
  return { type, identity, stamp: `${type}:${identity}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` };
}

/**
 * What is in the project right before it is packed for the pod, never following a symlink (a link
 * is an entry, not a tree). Taken before the pack, so a file changed in between differs from its
 * entry (and is kept) and a file made in between is not in it (and is never deleted).
 */
export async function snapshotTree(root: string): Promise<TreeSnapshot> {
  const entries = new Map<string, SnapshotEntry>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(rel ? path.join(root, rel) : root)) {
      const r = rel ? `${rel}/${name}` : name;
      const e = entryOf(await lstat(path.join(root, r), { bigint: true }));
      if (!e) continue;
      entries.set(r, e);
      if (e.type === 'dir') await walk(r);
    }
  };
  const rootIdentity = identityOf(await lstat(root, { bigint: true }));
  await walk('');
  return { root, rootIdentity, entries };
}

/** The NUL-separated output of `find . ! -path . -print0` in the pod, as relative paths. */
export function parsePodListing(out: Buffer | string): Set<string> {
  const present = new Set<string>();
  for (const p of out.toString().split('\0')) if (p) present.add(p.startsWith('./') ? p.slice(2) : p);
  return present;
}

/**
 * The entries the command deleted: copied in, absent from the pod's complete listing. Children
 * come before their parents (reverse code-unit order puts "a/b/c" before "a/b" before "a"), so
 * a directory is emptied before it is removed.
 */
export function planDeletions(snapshot: Pick<TreeSnapshot, 'entries'>, present: Set<string>): string[] {
  return [...snapshot.entries.keys()].filter((rel) => !present.has(rel)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

/** Whether an entry on the host is still the one copied in: a directory by identity (its contents are checked one by one), anything else by its full stamp. */
export function unchangedSince(copied: SnapshotEntry, now: SnapshotEntry | undefined): boolean {
  if (!now || now.type !== copied.type) return false;
  return copied.type === 'dir' ? now.identity === copied.identity : now.stamp === copied.stamp;
}
