import { existsSync, mkdirSync, readFileSync, renameSync, chownSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { HELLO, makeModule, spawnGobox } from '../helpers/gobox.js';
import { cluster, k8sGobox } from './cluster.js';
import { dropK8cState, k8cUser } from './k8c-users.js';

const user = () => k8cUser(0);

/** Its output so far and its end, with stdin left open for the test to write. */
function follow(child: ChildProcess): { out: () => string; done: Promise<{ code: number | null; stderr: string }> } {
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr: err })));
  return { out: () => out, done };
}

describe('files the command deletes in the pod, on the host', () => {
  afterAll(() => dropK8cState([user().uid]));

  it('deletes on the host a file and a whole dir the command removed, and nothing else', async () => {
    const u = user();
    const dir = makeModule({ ...HELLO, 'gone.txt': 'x', 'keep.txt': 'k', 'tree/a.go': 'package tree\n', 'tree/sub/b.txt': 'b' }, u);
    const r = await k8sGobox(['run', 'sh', '-c', 'rm gone.txt && rm -r tree && echo made > made.txt'], { cwd: dir, user: u.name });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, 'gone.txt'))).toBe(false);
    expect(existsSync(path.join(dir, 'tree'))).toBe(false);
    expect(readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('k');
    expect(readFileSync(path.join(dir, 'made.txt'), 'utf8')).toBe('made\n');
    expect(existsSync(path.join(dir, 'go.mod'))).toBe(true);
  });

  it('root running gobox for the owner deletes only what the owner may delete on the host', async () => {
    const u = user();
    const dir = makeModule({ ...HELLO, 'gone.txt': 'x', 'roots/r.txt': 'root' }, u);
    chownSync(path.join(dir, 'roots'), 0, 0);
    chownSync(path.join(dir, 'roots', 'r.txt'), 0, 0);
    // In the pod every copied file is the owner's: both go there.
    const r = await k8sGobox(['run', 'sh', '-c', 'rm gone.txt && rm -r roots && echo done'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(existsSync(path.join(dir, 'gone.txt'))).toBe(false);
    expect(readFileSync(path.join(dir, 'roots', 'r.txt'), 'utf8')).toBe('root');
    expect(r.stderr).toMatch(/deleted in the pod but kept in .*roots\/r\.txt \(its directory is not the owner's to change on the host \(uid 0\)\)/);
  });

  it('keeps a file changed on the host meanwhile (named in a warning), never deletes through a dir swapped for a symlink, and removes a link without its target', async () => {
    const u = user();
    const dir = makeModule({ ...HELLO, 'edited.txt': 'before', 'swapped/f': 'in project', 'target/t': 'kept' }, u);
    const outside = `${dir}-outside`;
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'f'), 'outside the project');
    chownSync(outside, u.uid, u.gid);
    symlinkSync('target', path.join(dir, 'link'));
    // The command deletes, says so, and waits for a line on stdin while the host changes under it.
    const child = spawnGobox(['run', 'sh', '-c', 'rm edited.txt swapped/f link && echo deleted && read line'], { cwd: dir, user: u.name, env: { GOBOX_CONFIG: cluster.hostConfig } });
    const run = follow(child);
    const end = Date.now() + 90_000;
    while (!run.out().includes('deleted') && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(run.out()).toContain('deleted');
    writeFileSync(path.join(dir, 'edited.txt'), 'changed on the host');
    renameSync(path.join(dir, 'swapped'), path.join(dir, 'swapped-away'));
    symlinkSync(outside, path.join(dir, 'swapped'));
    child.stdin!.end('go on\n');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'edited.txt'), 'utf8')).toBe('changed on the host');
    expect(readFileSync(path.join(outside, 'f'), 'utf8')).toBe('outside the project');
    expect(readFileSync(path.join(dir, 'target', 't'), 'utf8')).toBe('kept');
    expect(existsSync(path.join(dir, 'link'))).toBe(false);
    expect(r.stderr).toMatch(/deleted in the pod but kept in .*: .*edited\.txt \(changed on the host since the copy in\)/);
    expect(r.stderr).toMatch(/swapped\/f \(swapped is no longer a directory on the host\)/);
  });
});
