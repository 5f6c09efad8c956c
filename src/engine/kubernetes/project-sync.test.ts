import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { useTempTree } from '../../common/temp-tree.test-util.js';
import { checkSyncSize, copyBackInto, packProject, refusal, treeBytes } from './project-sync.js';

const t = useTempTree('gobox-k8s-sync-');
const me = { uid: process.getuid!(), gid: process.getgid!() };

describe('project sync', () => {
  it('counts a project without following its symlinks, and refuses one over the cap with the field to raise', async () => {
    t.write('p/a.go', 'x'.repeat(1000));
    symlinkSync('/usr', path.join(t.dir(), 'p', 'usr'));
    expect(await treeBytes(path.join(t.dir(), 'p'), 1e9)).toBe(1000);
    await expect(checkSyncSize(path.join(t.dir(), 'p'), 999)).rejects.toThrow(/holds more than .*sync limit.*engine\.syncLimit/);
    await expect(checkSyncSize(path.join(t.dir(), 'p'), 1000)).resolves.toBeUndefined();
  });

  it('never writes through a symlink on the host, nor outside the project, nor anything but files and dirs', () => {
    const root = path.join(t.dir(), 'p');
    mkdirSync(path.join(root, 'real'), { recursive: true });
    symlinkSync(t.dir(), path.join(root, 'out'));
    expect(refusal(root, path.join(root, 'real', 'new.txt'), 'file')).toBeUndefined();
    expect(refusal(root, path.join(root, 'fresh', 'dir', 'x'), 'file')).toBeUndefined();
    expect(refusal(root, path.join(root, 'out', 'x'), 'file')).toMatch(/out is a symlink on the host/);
    expect(refusal(root, path.join(root, 'out'), 'directory')).toMatch(/symlink/);
    expect(refusal(root, path.join(t.dir(), 'elsewhere'), 'file')).toBe('outside the project');
    expect(refusal(root, path.join(root, 'l'), 'symlink')).toMatch(/only files and directories/);
  });

  it('copies back files and dirs, skipping a link the pod made and a path through a host symlink', async () => {
    // What the pod sends: a new file, a new dir with a file, a symlink, and a file under "out".
    const pod = path.join(t.dir(), 'pod');
    t.write('pod/bin/tool', '#!/bin/sh\n');
    t.write('pod/out/evil', 'escaped');
    t.write('pod/go.sum', 'sum');
    symlinkSync('/etc/passwd', path.join(pod, 'pw'));
    const host = path.join(t.dir(), 'host');
    const outside = path.join(t.dir(), 'outside');
    mkdirSync(host);
    mkdirSync(outside);
    symlinkSync(outside, path.join(host, 'out'));
    const back = copyBackInto(host, me, 1e9);
    await pipeline(packProject(pod), back.sink);
    const { skipped, lost } = await back.done;
    expect(lost).toBe(true);
    expect(readFileSync(path.join(host, 'go.sum'), 'utf8')).toBe('sum');
    expect(readFileSync(path.join(host, 'bin', 'tool'), 'utf8')).toBe('#!/bin/sh\n');
    expect(existsSync(path.join(outside, 'evil'))).toBe(false);
    expect(existsSync(path.join(host, 'pw'))).toBe(false);
    expect(skipped.join('\n')).toMatch(/out: out is a symlink on the host/);
    expect(skipped.join('\n')).toMatch(/pw: a symlink/);
  });

  it('drops what comes past the cap and says so', async () => {
    t.write('pod/big', 'y'.repeat(200_000));
    const host = path.join(t.dir(), 'host');
    mkdirSync(host);
    const back = copyBackInto(host, me, 50_000);
    await pipeline(packProject(path.join(t.dir(), 'pod')), back.sink);
    const done = await back.done;
    expect(done.skipped.join('\n')).toMatch(/past .* \(the sync limit\)/);
    expect(done.lost).toBe(true);
  });

  it('counts nothing as lost when only a directory\'s own entry is refused (it carries no content)', async () => {
    const pod = path.join(t.dir(), 'pod');
    mkdirSync(path.join(pod, 'swapped'), { recursive: true });
    t.write('pod/ok.txt', 'ok');
    const host = path.join(t.dir(), 'host');
    mkdirSync(path.join(t.dir(), 'elsewhere'));
    mkdirSync(host);
    symlinkSync(path.join(t.dir(), 'elsewhere'), path.join(host, 'swapped'));
    const back = copyBackInto(host, me, 1e9);
    await pipeline(packProject(pod), back.sink);
    const done = await back.done;
    expect(done.skipped).toEqual(['swapped: swapped is a symlink on the host']);
    expect(done.lost).toBe(false);
    expect(readFileSync(path.join(host, 'ok.txt'), 'utf8')).toBe('ok');
  });
});
