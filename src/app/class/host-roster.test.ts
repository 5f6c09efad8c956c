import { chmod, chown, lchown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupUser, probeDir, readableAs } from './host-roster.js';

/**
 * Real directories with real owners and modes: the kernel decides readability, as it will for the
 * sandbox. Needs root (to chown); the uids below have no accounts, none are created.
 */
const STUDENT = { uid: 41001, gid: 41001 };
const OTHER = { uid: 41002, gid: 41002 };
const isRoot = process.getuid?.() === 0;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gobox-roster-'));
  // mkdtemp makes 0700; the students must be able to walk into it, as into /home.
  await chmod(root, 0o755);
});
afterAll(async () => rm(root, { recursive: true, force: true }));

async function studentDir(name: string, owner: { uid: number; gid: number }, mode: number): Promise<string> {
  const d = path.join(root, name);
  await mkdir(d);
  await chown(d, owner.uid, owner.gid);
  await chmod(d, mode);
  return d;
}

describe.runIf(isRoot)('probeDir on a real filesystem', () => {
  it('reports a student\'s own directory, readable by them and not by another uid', async () => {
    const d = await studentDir('own', STUDENT, 0o700);
    expect(await probeDir(d, STUDENT)).toEqual({ kind: 'dir', real: d, ownerUid: STUDENT.uid, readable: true });
    expect(await probeDir(d, OTHER)).toMatchObject({ kind: 'dir', readable: false });
  });

  it('counts a directory without the search bit as unreadable', async () => {
    const d = await studentDir('noexec', STUDENT, 0o600);
    expect(await readableAs(d, STUDENT)).toBe(false);
  });

  it('counts a parent the student cannot enter', async () => {
    const parent = await studentDir('closed-parent', OTHER, 0o700);
    const d = path.join(parent, 'work');
    await mkdir(d);
    await chown(d, STUDENT.uid, STUDENT.gid);
    expect(await probeDir(d, STUDENT)).toMatchObject({ kind: 'dir', readable: false });
  });

  it('reports a missing directory and a file', async () => {
    expect(await probeDir(path.join(root, 'nope'), STUDENT)).toEqual({ kind: 'missing' });
    expect(await probeDir(path.join(root, 'nope', 'deeper'), STUDENT)).toEqual({ kind: 'missing' });
    const f = path.join(root, 'file');
    await writeFile(f, 'x');
    expect(await probeDir(f, STUDENT)).toEqual({ kind: 'not-dir', real: f });
  });

  it('names a student\'s symlink that leads to another directory', async () => {
    const victim = await studentDir('victim', OTHER, 0o755);
    const link = path.join(root, 'link');
    await symlink(victim, link);
    await lchown(link, STUDENT.uid, STUDENT.gid);
    expect(await probeDir(link, STUDENT)).toEqual({ kind: 'dir', real: victim, ownerUid: OTHER.uid, readable: true, symlinkVia: link });
    // Through a symlinked parent, too.
    await mkdir(path.join(victim, 'sub'));
    expect(await probeDir(path.join(link, 'sub'), STUDENT)).toMatchObject({ real: path.join(victim, 'sub'), symlinkVia: link });
  });

  it('accepts root\'s symlinks (the host\'s own layout, e.g. /home -> /data/home)', async () => {
    const d = await studentDir('data-home', STUDENT, 0o755);
    const link = path.join(root, 'home-link');
    await symlink(d, link);
    expect(await probeDir(link, STUDENT)).toEqual({ kind: 'dir', real: d, ownerUid: STUDENT.uid, readable: true });
  });
});

describe('lookupUser through getent', () => {
  it('finds root and nobody, and says undefined for an unknown name', async () => {
    expect(await lookupUser('root')).toEqual({ name: 'root', uid: 0, gid: 0 });
    expect(await lookupUser('gobox-no-such-student')).toBeUndefined();
  });

  it.runIf(isRoot)('reads as an account with its login groups', async () => {
    const nobody = await lookupUser('nobody');
    expect(nobody).toBeDefined();
    const d = await studentDir('for-nobody', { uid: nobody!.uid, gid: nobody!.gid }, 0o700);
    expect(await readableAs(d, { uid: nobody!.uid, gid: nobody!.gid, user: 'nobody' })).toBe(true);
    expect(await readableAs(d, OTHER)).toBe(false);
  });
});
