import { lstatSync, readdirSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import tar from 'tar-fs';
import { GoboxError } from '../../common/errors.js';
import { formatSize } from '../../common/units.js';

/**
 * The bytes a directory holds, counted without following symlinks (a link to /etc is one small
 * entry, not /etc). Stops counting once past `cap`: only "over" matters then.
 */
export async function treeBytes(dir: string, cap: number): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const ent of await readdir(d, { withFileTypes: true })) {
      if (total > cap) return;
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) await walk(p);
      else if (ent.isFile()) total += (await lstat(p)).size;
    }
  };
  await walk(dir);
  return total;
}

export async function checkSyncSize(dir: string, cap: number): Promise<void> {
  const bytes = await treeBytes(dir, cap);
  if (bytes > cap) {
    throw new GoboxError(`project ${dir} holds more than ${formatSize(cap)}, the sync limit of the kubernetes engine (it copies the project into the pod); raise engine.syncLimit in the host config or run from a smaller module`);
  }
}

/**
 * The project as a tar stream; symlinks stay links (the pod resolves them in its own root, never
 * the host's). Its top-level entries are named, so the archive has no "." entry: the pod's
 * volume root is not the user's to chmod.
 */
export function packProject(dir: string): Readable {
  const out = new PassThrough();
  const pack = tar.pack(dir, { dereference: false, entries: readdirSync(dir) } as tar.PackOptions);
  pack.on('error', (e: Error) => out.destroy(e));
  pack.pipe(out);
  return out;
}

/** Why an entry of the copy-back is not written, or undefined when it may be. */
export function refusal(root: string, target: string, type: string | undefined | null): string | undefined {
  const rel = path.relative(root, target);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return 'outside the project';
  if (type !== 'file' && type !== 'directory') return `a ${type ?? 'special file'} (only files and directories are copied back)`;
  // Every existing component must be a real directory (the last one a file or directory): a
  // symlink on the host is never written through, wherever it points.
  let p = root;
  for (const part of rel ? rel.split(path.sep) : []) {
    p = path.join(p, part);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return undefined; // from here on nothing exists yet: it is created inside the project
    }
    if (st.isSymbolicLink()) return `${path.relative(root, p)} is a symlink on the host`;
  }
  return undefined;
}

export interface CopyBack {
  /** Where the pod's tar stream goes. */
  sink: Writable;
  /**
   * Resolves once every entry is written: the paths skipped and why; `lost` when content stayed
   * behind (a file or link skipped, or the cap reached), not only a directory's own status.
   */
  done: Promise<{ written: number; skipped: string[]; lost: boolean }>;
}

/**
 * Extracts the files the command changed or created into the host project, as the owner of the
 * run (when gobox is root) with no setuid bits, never through a symlink and never outside the
 * project. Past `cap` bytes the rest is dropped and said so.
 */
export function copyBackInto(root: string, owner: { uid: number; gid: number }, cap: number): CopyBack {
  const skipped: string[] = [];
  let written = 0;
  let seen = 0;
  let over = false;
  let lost = false;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > cap) {
        if (!over) skipped.push(`everything past ${formatSize(cap)} (the sync limit)`);
        over = true;
        return cb();
      }
      cb(null, chunk);
    },
  });
  const extract = tar.extract(root, {
    ignore: (name: string, header?: { type?: string | null; name: string }) => {
      const why = refusal(root, name, header?.type);
      if (why) skipped.push(`${path.relative(root, name) || '.'}: ${why}`);
      if (why && header?.type !== 'directory') lost = true;
      else if (header?.type === 'file') written++;
      return Boolean(why);
    },
    map: (h: tar.Headers) => ({ ...h, uid: owner.uid, gid: owner.gid, mode: (h.mode ?? 0o644) & 0o777 }),
    strict: false,
  });
  const done = new Promise<{ written: number; skipped: string[]; lost: boolean }>((resolve, reject) => {
    extract.on('finish', () => resolve({ written, skipped, lost: lost || over }));
    extract.on('error', (e: Error) => (over ? resolve({ written, skipped, lost: true }) : reject(new GoboxError(`copying the project back from the pod failed: ${e.message}`))));
  });
  meter.pipe(extract as unknown as Writable);
  return { sink: meter, done };
}
