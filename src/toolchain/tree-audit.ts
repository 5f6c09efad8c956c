import { promises as fs } from 'node:fs';
import path from 'node:path';
import { limiter } from '../common/limiter.js';
import { sha256File, walkTree, type Manifest, type ManifestEntry } from './manifest.js';
import { entryFindings, type Finding } from './trust.js';

const TYPE_NAME = { f: 'a file', d: 'a directory', l: 'a symlink' } as const;
const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

/**
 * The full check of one GOROOT: every file re-hashed and compared with its manifest (changed,
 * missing, extra), and every entry on disk held to the trust rules (owner, writable, setuid,
 * devices, FIFOs, sockets, symlinks). Without a manifest only the trust rules apply.
 */
export async function auditTree(goroot: string, manifest: Manifest | undefined, owners: ReadonlySet<number>): Promise<Finding[]> {
  const out: Finding[] = [];
  const corrupted = (kind: 'changed' | 'missing' | 'extra' | 'stamp', p: string, detail: string) => out.push({ class: 'corrupted', kind, path: p, detail });
  const rootSt = await fs.lstat(goroot);
  out.push(...entryFindings('', rootSt, undefined, owners));
  if (manifest && (rootSt.uid !== manifest.root.uid || (rootSt.mode & 0o7777) !== manifest.root.mode)) {
    corrupted('changed', '', `the GOROOT's owner or mode changed (${manifest.root.uid}, ${octal(manifest.root.mode)} -> ${rootSt.uid}, ${octal(rootSt.mode & 0o7777)})`);
  }
  const tree = await walkTree(goroot);
  const known = new Map<string, ManifestEntry>((manifest?.entries ?? []).map((e) => [e[1], e]));
  const queue = limiter(8);
  const onDisk = new Set<string>();
  // Entries whose stat no longer matches the manifest's, so the check before a mount refuses them.
  const stamped = new Set<string>();
  if (manifest && (rootSt.ino !== manifest.root.ino || rootSt.mtimeMs !== manifest.root.mtimeMs)) stamped.add('');
  await Promise.all(
    tree.map(async ([rel, st]) => {
      onDisk.add(rel);
      const abs = path.join(goroot, rel);
      const target = st.isSymbolicLink() ? await fs.readlink(abs) : undefined;
      out.push(...entryFindings(rel, st, target, owners));
      if (!manifest) return;
      const want = known.get(rel);
      const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : undefined;
      if (!want) return corrupted('extra', rel, `not in the manifest (${type ? TYPE_NAME[type] : 'a special file'})`);
      const [wtype, , mode, size, uid, gid, ino, mtimeMs, ctimeMs, extra] = want;
      if (st.ino !== ino || st.mtimeMs !== mtimeMs || st.ctimeMs !== ctimeMs) stamped.add(rel);
      if (type !== wtype) return corrupted('changed', rel, `was ${TYPE_NAME[wtype]}, now ${type ? TYPE_NAME[type] : 'a special file'}`);
      if ((st.mode & 0o7777) !== mode) corrupted('changed', rel, `mode ${octal(mode)} -> ${octal(st.mode & 0o7777)}`);
      if (st.uid !== uid || st.gid !== gid) corrupted('changed', rel, `owner ${uid}:${gid} -> ${st.uid}:${st.gid}`);
      if (type === 'l' && target !== extra) corrupted('changed', rel, `symlink target ${extra} -> ${target ?? ''}`);
      if (type === 'f') {
        if (st.size !== size) return corrupted('changed', rel, `content changed (size ${size} -> ${st.size})`);
        const sum = await queue(() => sha256File(abs));
        if (sum !== extra) corrupted('changed', rel, 'content changed (sha256 differs)');
      }
    }),
  );
  for (const rel of known.keys()) if (!onDisk.has(rel)) corrupted('missing', rel, 'missing');
  // A changed, added or removed entry also restamps the dirs above it: those say nothing new.
  const explained = new Set<string>();
  for (const f of out) {
    let p = f.path;
    explained.add(p);
    while (p !== '') {
      p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
      explained.add(p);
    }
  }
  for (const rel of stamped) {
    if (!explained.has(rel)) corrupted('stamp', rel, 'touched since it was recorded (its stat differs, its content does not); runs refuse it until --repair records it again');
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
