/**
 * Runs as the requesting user (never as root), started by path-safety.ts: resolves the project
 * the way that user can see it and reports the directory's identity. Every step runs with the
 * user's own permissions, so a directory they cannot reach fails here with EACCES.
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, realpathSync } from 'node:fs';
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

async function main(): Promise<void> {
  const asked = process.argv[2] ?? '';
  const cwd = realpathSync(asked);
  const c = openDir(cwd);
  if (c.actual !== cwd) throw Object.assign(new Error(`${cwd} changed while it was checked`), { code: 'ERACE' });
  const found = await findProjectRoot(cwd);
  const r = openDir(found.root);
  if (r.actual !== found.root) throw Object.assign(new Error(`${found.root} changed while it was checked`), { code: 'ERACE' });
  process.stdout.write(JSON.stringify({ ok: true, cwd, root: found.root, dev: r.dev, ino: r.ino, owner: r.uid }) + '\n');
}

main().catch((e: NodeJS.ErrnoException) => {
  process.stdout.write(JSON.stringify({ ok: false, code: e.code ?? 'EUNKNOWN', path: e.path ?? '' }) + '\n');
  process.exitCode = 1;
});
