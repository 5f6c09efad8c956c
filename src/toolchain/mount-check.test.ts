import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildManifest, readManifest, stampRoot, writeManifest } from './manifest.js';
import { checkBeforeMount } from './mount-check.js';
import { auditTree } from './tree-audit.js';
import { entryFindings } from './trust.js';

/** A small fake GOROOT in a store of its own: the stat check and the full audit on real files. */
let root = '';
let goroot = '';
const owners = new Set([process.getuid?.() ?? 0, 0]);

beforeEach(async () => {
  root = path.join(mkdtempSync(path.join(os.tmpdir(), 'gobox-mc-')), 'toolchains');
  mkdirSync(root, { mode: 0o755 });
  chmodSync(path.dirname(root), 0o755);
  const work = path.join(root, '.tmp-build');
  mkdirSync(path.join(work, 'bin'), { recursive: true });
  writeFileSync(path.join(work, 'VERSION'), 'go1.22.5\n', { mode: 0o644 });
  writeFileSync(path.join(work, 'bin', 'go'), 'binary', { mode: 0o755 });
  const m = await buildManifest(work, '1.22.5', { kind: 'import', dir: '/nowhere' });
  goroot = path.join(root, 'go1.22.5');
  renameSync(work, goroot);
  await writeManifest(root, 'go1.22.5', await stampRoot(m, goroot));
});
afterEach(() => rmSync(path.dirname(root), { recursive: true, force: true }));

describe('checkBeforeMount', () => {
  it('passes an untouched tree, and one without a manifest (an older install)', async () => {
    expect(await checkBeforeMount(goroot, '1.22.5')).toEqual({ manifest: true });
    rmSync(path.join(root, '.manifests', 'go1.22.5.json'));
    expect(await checkBeforeMount(goroot, '1.22.5')).toEqual({ manifest: false });
  });

  it('refuses a content change even with the mtime put back (ctime)', async () => {
    const f = path.join(goroot, 'bin', 'go');
    // touch -r keeps the nanoseconds, so only the ctime tells.
    const ref = path.join(path.dirname(root), 'ref');
    execFileSync('touch', ['-r', f, ref]);
    writeFileSync(f, 'BINARY');
    execFileSync('touch', ['-r', ref, f]);
    expect(statSync(f).mtimeMs).toBe(statSync(ref).mtimeMs);
    await expect(checkBeforeMount(goroot, '1.22.5')).rejects.toThrow(/^go1\.22\.5 in .* changed since it was installed \(bin\/go: modified or its metadata changed\); refusing to mount it$/);
  });

  it('refuses an added entry, a mode change and an edited manifest', async () => {
    writeFileSync(path.join(goroot, 'bin', 'extra'), '');
    await expect(checkBeforeMount(goroot, '1.22.5')).rejects.toThrow(/bin: entries added or removed/);
    rmSync(path.join(goroot, 'bin', 'extra'));
    chmodSync(path.join(goroot, 'VERSION'), 0o666);
    await expect(checkBeforeMount(goroot, '1.22.5')).rejects.toThrow(/VERSION: mode changed/);
    const m = (await readManifest(root, 'go1.22.5'))!;
    m.entries[0]![9] = 'f'.repeat(64);
    await writeManifest(root, 'go1.22.5', m);
    await expect(checkBeforeMount(goroot, '1.22.5')).rejects.toThrow(/its manifest does not match the digest/);
  });

  it('proves a manifest again in the same process when it was edited in place, mtime put back (ctime)', async () => {
    expect(await checkBeforeMount(goroot, '1.22.5')).toEqual({ manifest: true });
    const file = path.join(root, '.manifests', 'go1.22.5.json');
    const ref = path.join(path.dirname(root), 'ref');
    execFileSync('touch', ['-r', file, ref]);
    const { ino, size } = statSync(file);
    const m = (await readManifest(root, 'go1.22.5'))!;
    expect(m.entries[0]![0]).toBe('f');
    m.entries[0]![9] = 'f'.repeat(64);
    // Same inode and length (one hex hash for another), mtime restored: only the ctime differs.
    writeFileSync(file, JSON.stringify(m));
    execFileSync('touch', ['-r', ref, file]);
    expect([statSync(file).ino, statSync(file).size, statSync(file).mtimeMs]).toEqual([ino, size, statSync(ref).mtimeMs]);
    await expect(checkBeforeMount(goroot, '1.22.5')).rejects.toThrow(/its manifest does not match the digest/);
  });

  it('refuses a manifest others may write', async () => {
    chmodSync(path.join(root, '.manifests', 'go1.22.5.json'), 0o666);
    await expect(checkBeforeMount(goroot, '1.22.5')).rejects.toThrow(/not safe to mount from: .*go1\.22\.5\.json is writable by everyone \(mode 0666\)/);
  });

  it('refuses a store whose parent others may write', async () => {
    chmodSync(path.dirname(root), 0o777);
    await expect(checkBeforeMount(goroot, '1.22.5')).rejects.toThrow(/the toolchain store is not safe to mount from: .* is writable by everyone \(mode 0777\)/);
  });
});

describe('auditTree', () => {
  it('finds changed, extra and untrusted entries, and nothing in an untouched tree', async () => {
    const m = (await readManifest(root, 'go1.22.5'))!;
    expect(await auditTree(goroot, m, owners)).toEqual([]);
    writeFileSync(path.join(goroot, 'VERSION'), 'go1.22.6\n');
    symlinkSync('../../etc', path.join(goroot, 'bin', 'up'));
    const found = await auditTree(goroot, m, owners);
    expect(found.map((f) => [f.class, f.kind, f.path])).toEqual([
      ['corrupted', 'changed', 'VERSION'],
      ['untrusted', 'symlink', 'bin/up'],
      ['corrupted', 'extra', 'bin/up'],
    ]);
  });
});

describe('entryFindings', () => {
  it('names setuid, world-writable, foreign owners and absolute symlinks', () => {
    const fake = (mode: number, uid = 0, kind: 'file' | 'link' = 'file') => ({
      mode, uid, isSymbolicLink: () => kind === 'link', isBlockDevice: () => false, isCharacterDevice: () => false, isFIFO: () => false, isSocket: () => false,
    }) as unknown as import('node:fs').Stats;
    expect(entryFindings('a', fake(0o104755), undefined, new Set([0])).map((f) => f.detail)).toEqual(['setuid (mode 04755)']);
    expect(entryFindings('a', fake(0o100666, 5), undefined, new Set([0])).map((f) => f.kind)).toEqual(['owner', 'writable']);
    expect(entryFindings('a', fake(0o120777, 0, 'link'), '/etc', new Set([0])).map((f) => f.detail)).toEqual(['absolute symlink to /etc']);
    expect(entryFindings('a/b', fake(0o120777, 0, 'link'), '../c', new Set([0]))).toEqual([]);
  });
});
