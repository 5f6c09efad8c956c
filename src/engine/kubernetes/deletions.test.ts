import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempTree } from '../../common/temp-tree.test-util.js';
import { deleteRemoved } from './deletions.js';
import { parsePodListing, planDeletions, snapshotTree, unchangedSince } from './tree-snapshot.js';

const t = useTempTree('gobox-k8s-del-');

describe('what the command deleted in the pod, as a plan', () => {
  it('reads the pod\'s NUL-separated listing, names with newlines and spaces included', () => {
    expect([...parsePodListing(Buffer.from('./a\0./d/b c\0./n\nl\0'))]).toEqual(['a', 'd/b c', 'n\nl']);
    expect(parsePodListing('').size).toBe(0);
  });

  it('deletes what was copied in and is not in the pod any more, children before their directory', () => {
    const entries = new Map(['a', 'd', 'd/x', 'd/sub', 'd/sub/y', 'd-z', 'keep'].map((k) => [k, { type: 'file' as const, stamp: k, identity: k }]));
    expect(planDeletions({ entries }, new Set(['keep', 'a', 'new-in-pod']))).toEqual(['d/x', 'd/sub/y', 'd/sub', 'd-z', 'd']);
    expect(planDeletions({ entries }, new Set(entries.keys()))).toEqual([]);
  });

  it('counts a file as unchanged only by its full stamp, a directory by its identity', () => {
    const f = { type: 'file' as const, stamp: 'file:1:2:3:4:5', identity: '1:2' };
    expect(unchangedSince(f, { ...f })).toBe(true);
    expect(unchangedSince(f, { ...f, stamp: 'file:1:2:9:4:5' })).toBe(false);
    expect(unchangedSince(f, undefined)).toBe(false);
    const d = { type: 'dir' as const, stamp: 'dir:1:7:0:1:1', identity: '1:7' };
    expect(unchangedSince(d, { ...d, stamp: 'dir:1:7:0:2:2' })).toBe(true);
    expect(unchangedSince(d, { ...d, identity: '1:8' })).toBe(false);
    expect(unchangedSince(d, { ...f, identity: '1:7' })).toBe(false);
  });
});

describe('deleting on the host what the command deleted in the pod', () => {
  const project = () => path.join(t.dir(), 'p');

  it('deletes a file, a link (not its target) and a whole directory the command removed', async () => {
    t.write('p/gone.txt', 'x');
    t.write('p/stays.txt', 'x');
    t.write('p/dir/a', 'a');
    t.write('p/dir/sub/b', 'b');
    t.write('target', 'kept');
    symlinkSync(path.join(t.dir(), 'target'), path.join(project(), 'link'));
    const s = await snapshotTree(project());
    expect([...s.entries.keys()].sort()).toEqual(['dir', 'dir/a', 'dir/sub', 'dir/sub/b', 'gone.txt', 'link', 'stays.txt']);
    const r = deleteRemoved(s, planDeletions(s, new Set(['stays.txt'])));
    expect(r).toEqual({ deleted: 6, kept: [] });
    expect(existsSync(path.join(project(), 'stays.txt'))).toBe(true);
    expect(['gone.txt', 'link', 'dir'].map((p) => existsSync(path.join(project(), p)))).toEqual([false, false, false]);
    expect(readFileSync(path.join(t.dir(), 'target'), 'utf8')).toBe('kept');
  });

  it('keeps a file changed on the host since the copy in, names it, and keeps its directory', async () => {
    t.write('p/dir/edited', 'old');
    t.write('p/dir/other', 'x');
    const s = await snapshotTree(project());
    writeFileSync(path.join(project(), 'dir', 'edited'), 'new text');
    t.write('p/dir/made-meanwhile', 'new');
    const r = deleteRemoved(s, planDeletions(s, new Set()));
    expect(r.kept).toEqual(['dir/edited (changed on the host since the copy in)', 'dir/ (holds files on the host that the command did not delete)']);
    expect(readFileSync(path.join(project(), 'dir', 'edited'), 'utf8')).toBe('new text');
    expect(existsSync(path.join(project(), 'dir', 'made-meanwhile'))).toBe(true);
    expect(existsSync(path.join(project(), 'dir', 'other'))).toBe(false);
  });

  it('never deletes through a directory swapped for a symlink after the copy in, nor outside the project', async () => {
    t.write('p/dir/victim', 'x');
    t.write('outside/victim', 'outside');
    const s = await snapshotTree(project());
    rmSync(path.join(project(), 'dir'), { recursive: true });
    symlinkSync(path.join(t.dir(), 'outside'), path.join(project(), 'dir'));
    const r = deleteRemoved(s, planDeletions(s, new Set()));
    expect(r.deleted).toBe(0);
    expect(r.kept.join('\n')).toMatch(/dir\/victim \(dir is no longer a directory on the host\)/);
    expect(readFileSync(path.join(t.dir(), 'outside', 'victim'), 'utf8')).toBe('outside');
    expect(existsSync(path.join(project(), 'dir'))).toBe(true);
  });

  it('never deletes in a directory that was replaced by another one, or when the project itself was', async () => {
    t.write('p/dir/f', 'x');
    const s = await snapshotTree(project());
    renameSync(path.join(project(), 'dir'), path.join(project(), 'old'));
    t.write('p/dir/f', 'x');
    expect(deleteRemoved(s, ['dir/f']).kept).toEqual(['dir/f (dir was replaced on the host since the copy in)']);
    renameSync(project(), path.join(t.dir(), 'p-old'));
    mkdirSync(project());
    t.write('p/dir/f', 'x');
    expect(deleteRemoved(s, ['dir/f']).kept).toEqual(['dir/f (the project directory was replaced on the host since the copy in)']);
    expect(existsSync(path.join(project(), 'dir', 'f'))).toBe(true);
  });

  it('acting for the owner, deletes only in directories the owner may change', async () => {
    t.write('p/mine.txt', 'x');
    t.write('p/sub/f', 'x');
    const s = await snapshotTree(project());
    const me = process.getuid!();
    // Another uid than the directories' owner: nothing of theirs goes.
    const other = deleteRemoved(s, planDeletions(s, new Set()), { uid: me + 1 });
    expect(other.deleted).toBe(0);
    expect(other.kept).toContain(`mine.txt (its directory is not the owner's to change on the host (uid ${me}))`);
    expect(existsSync(path.join(project(), 'sub', 'f'))).toBe(true);
    expect(deleteRemoved(s, planDeletions(s, new Set()), { uid: me })).toEqual({ deleted: 3, kept: [] });
  });

  it('takes a file already gone on the host as done', async () => {
    t.write('p/f', 'x');
    const s = await snapshotTree(project());
    rmSync(path.join(project(), 'f'));
    expect(deleteRemoved(s, ['f'])).toEqual({ deleted: 0, kept: [] });
  });
});
