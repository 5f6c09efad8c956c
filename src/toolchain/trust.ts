import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';

/** corrupted: the tree is not what was installed. untrusted: someone other than its owner could change it. */
export type FindingClass = 'corrupted' | 'untrusted';
export type FindingKind = 'changed' | 'missing' | 'extra' | 'stamp' | 'owner' | 'writable' | 'setid' | 'special' | 'symlink' | 'store';

export interface Finding {
  class: FindingClass;
  kind: FindingKind;
  /** Relative to the GOROOT ("" for the GOROOT itself), or absolute for a store path. */
  path: string;
  detail: string;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/**
 * Who may own what is in a store: root, plus the caller when the store is the caller's own
 * (a per-user store under $XDG_DATA_HOME). Anyone else who owns an entry can change it.
 */
export async function trustedOwners(storeRoot: string, uid: number = process.getuid?.() ?? 0): Promise<Set<number>> {
  const st = await fs.lstat(storeRoot).catch(() => undefined);
  return new Set(st && st.uid === uid ? [0, uid] : [0]);
}

/** What is wrong with one entry of a GOROOT, whatever the manifest says. */
export function entryFindings(rel: string, st: Stats, target: string | undefined, owners: ReadonlySet<number>): Finding[] {
  const out: Finding[] = [];
  const add = (kind: FindingKind, detail: string) => out.push({ class: 'untrusted', kind, path: rel, detail });
  if (!owners.has(st.uid)) add('owner', `owned by uid ${st.uid}`);
  if (st.isSymbolicLink()) {
    const t = target ?? '';
    if (path.posix.isAbsolute(t)) add('symlink', `absolute symlink to ${t}`);
    else if (escapes(rel, t)) add('symlink', `symlink ${t} escapes the GOROOT`);
    return out;
  }
  if (st.isBlockDevice() || st.isCharacterDevice()) add('special', 'a device');
  else if (st.isFIFO()) add('special', 'a FIFO');
  else if (st.isSocket()) add('special', 'a socket');
  if (st.mode & 0o022) add('writable', `writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${octal(st.mode)})`);
  if (st.mode & 0o6000) add('setid', `${st.mode & 0o4000 ? 'setuid' : 'setgid'} (mode ${octal(st.mode)})`);
  return out;
}

/** A relative link target that, resolved from the link's dir, leaves the tree. */
function escapes(rel: string, target: string): boolean {
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target));
  return resolved === '..' || resolved.startsWith('../');
}

/**
 * The store root and every dir above it: none may be a symlink (which could be pointed
 * elsewhere), owned by anyone but root or the store's owner, or writable by others. A dir
 * writable by all but sticky and root's (/tmp) is accepted: others cannot rename or remove
 * what is not theirs there.
 */
export async function storePathFindings(storeRoot: string, owners: ReadonlySet<number>): Promise<Finding[]> {
  const out: Finding[] = [];
  const add = (p: string, detail: string) => out.push({ class: 'untrusted', kind: 'store', path: p, detail });
  let p = path.resolve(storeRoot);
  for (;;) {
    const st = await fs.lstat(p).catch(() => undefined);
    if (st?.isSymbolicLink()) add(p, `${p} is a symlink`);
    else if (st) {
      if (!owners.has(st.uid)) add(p, `${p} is owned by uid ${st.uid}`);
      const sticky = (st.mode & 0o1000) !== 0 && st.uid === 0;
      if (st.mode & 0o022 && !sticky) add(p, `${p} is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${octal(st.mode)})`);
    }
    const up = path.dirname(p);
    if (up === p) return out;
    p = up;
  }
}
