import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { ToolchainError } from '../common/errors.js';
import { limiter } from '../common/limiter.js';

/** Enough parallel copies to keep the disk busy without running out of file descriptors. */
const PARALLEL = 32;

/**
 * Copies a GOROOT into dst following every symlink, because Debian's /usr/lib/go-X is mostly
 * symlinks into /usr/share/go-X: copying the links would leave a store entry that breaks (or
 * changes) when the distro package does. Modes are normalised as they are written (see modeFor).
 */
export async function copyDereferenced(src: string, dst: string, onFile?: (count: number) => void): Promise<void> {
  let count = 0;
  const queue = limiter(PARALLEL);
  // dev:ino of the dirs on the current path: a symlink back up the tree would recurse forever.
  async function copyDir(from: string, to: string, ancestors: ReadonlySet<string>): Promise<void> {
    await fs.mkdir(to, { mode: 0o755 });
    const entries = await fs.readdir(from);
    await Promise.all(
      entries.map(async (entry) => {
        const s = path.join(from, entry);
        const d = path.join(to, entry);
        const st = await statFollowing(s);
        if (st.isDirectory()) {
          const id = `${st.dev}:${st.ino}`;
          if (ancestors.has(id)) throw new ToolchainError(`${s} is a symlink loop`, { hint: `repair the Go tree at ${src}` });
          await copyDir(s, d, new Set([...ancestors, id]));
        } else if (st.isFile()) {
          await queue(async () => {
            await fs.copyFile(s, d);
            await fs.chmod(d, modeFor(st));
          });
          onFile?.(++count);
        } else {
          throw new ToolchainError(`${s} is not a file or directory`, { hint: `a GOROOT holds only files and dirs; check ${src}` });
        }
      }),
    );
    await fs.chmod(to, 0o755);
  }
  const top = await statFollowing(src);
  await copyDir(src, dst, new Set([`${top.dev}:${top.ino}`]));
}

/**
 * Files 0755 if anyone could execute them, else 0644; dirs 0755. One copy is shared by every
 * user, so nothing may be writable by group or other (a shared GOROOT that others can write is
 * a way into every sandbox).
 */
export function modeFor(st: Pick<Stats, 'mode' | 'isDirectory'>): number {
  if (st.isDirectory()) return 0o755;
  return st.mode & 0o111 ? 0o755 : 0o644;
}

/** Applies modeFor to a tree written by someone else (tar extraction); symlinks are left alone. */
export async function normalizeModes(root: string): Promise<void> {
  const queue = limiter(PARALLEL);
  async function walk(p: string): Promise<void> {
    const st = await fs.lstat(p);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      await Promise.all((await fs.readdir(p)).map((e) => walk(path.join(p, e))));
    }
    await queue(() => fs.chmod(p, modeFor(st)));
  }
  await walk(root);
}

async function statFollowing(p: string): Promise<Stats> {
  try {
    return await fs.stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ToolchainError(`${p} is a broken symlink`, { hint: 'repair or reinstall that Go, then import again' });
    if (code === 'ELOOP') throw new ToolchainError(`${p} is a symlink loop`, { hint: 'repair or reinstall that Go, then import again' });
    throw e;
  }
}

