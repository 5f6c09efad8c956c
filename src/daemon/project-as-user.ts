/**
 * Runs as the requesting user (never as root), started by path-safety.ts: resolves the project
 * the way that user can see it and reports the directory's identity. Every step runs with the
 * user's own permissions, so a directory they cannot reach fails here with EACCES.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { findProjectRoot } from '../toolchain/gomod.js';

function openDir(p: string): { dev: number; ino: number; uid: number; actual: string } {
  // O_NOFOLLOW: the last component must be the directory itself, not a symlink to one.
  const fd = openSync(p, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    const st = fstatSync(fd);
    // What the kernel says the open directory is: catches a parent swapped between resolve and open.
    const actual = readlinkSync(`/proc/self/fd/${fd}`);
    return { dev: st.dev, ino: st.ino, uid: st.uid, actual };
  } finally {
    closeSync(fd);
  }
}

/** Largest version file passed on: go.mod files are small; anything bigger is not one. */
const MAX_FILE = 256 * 1024;

/**
 * The files toolchain resolution reads (.go-version from cwd up to the root, go.work, go.mod),
 * read here with the user's permissions so the daemon never reads them as root.
 */
function versionFiles(cwd: string, root: string): Record<string, string> {
  const wanted = [path.join(root, 'go.work'), path.join(root, 'go.mod')];
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    wanted.push(path.join(dir, '.go-version'));
    if (dir === root || path.dirname(dir) === dir) break;
  }
  const files: Record<string, string> = {};
  for (const f of wanted) {
    try {
      const text = readFileSync(f, 'utf8');
      if (text.length <= MAX_FILE) files[f] = text;
    } catch {
      // Absent or unreadable to this user: resolution treats it as not there.
    }
  }
  return files;
}

async function main(): Promise<void> {
  const asked = process.argv[2] ?? '';
  const cwd = realpathSync(asked);
  const c = openDir(cwd);
  if (c.actual !== cwd) throw Object.assign(new Error(`${cwd} changed while it was checked`), { code: 'ERACE' });
  const found = await findProjectRoot(cwd);
  const r = openDir(found.root);
  if (r.actual !== found.root) throw Object.assign(new Error(`${found.root} changed while it was checked`), { code: 'ERACE' });
  process.stdout.write(JSON.stringify({ ok: true, cwd, root: found.root, dev: r.dev, ino: r.ino, owner: r.uid, files: versionFiles(cwd, found.root) }) + '\n');
}

main().catch((e: NodeJS.ErrnoException) => {
  process.stdout.write(JSON.stringify({ ok: false, code: e.code ?? 'EUNKNOWN', path: e.path ?? '' }) + '\n');
  process.exitCode = 1;
});
