import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempTree } from '../common/temp-tree.test-util.js';
import { UsageError } from '../common/errors.js';
import { directivesFile, findProjectRoot, parseGoDirectives, readGoDirectives } from './gomod.js';

const tree = useTempTree('gobox-gomod-');
const write = tree.write;

describe('findProjectRoot', () => {
  it('finds the nearest go.mod above cwd', async () => {
    const mod = write('proj/go.mod', 'module x\n');
    mkdirSync(path.join(tree.dir(), 'proj/a/b'), { recursive: true });
    expect(await findProjectRoot(path.join(tree.dir(), 'proj/a/b'))).toEqual({ root: path.join(tree.dir(), 'proj'), goMod: mod });
  });
  it('prefers go.work in the same dir, and the nearest dir over a farther go.work', async () => {
    const work = write('ws/go.work', 'go 1.22\n');
    const mod = write('ws/go.mod', 'module x\n');
    const inner = write('ws/sub/go.mod', 'module y\n');
    const root = await findProjectRoot(path.join(tree.dir(), 'ws'));
    expect(root).toEqual({ root: path.join(tree.dir(), 'ws'), goWork: work, goMod: mod });
    expect(directivesFile(root)).toBe(work);
    expect(await findProjectRoot(path.join(tree.dir(), 'ws/sub'))).toEqual({ root: path.join(tree.dir(), 'ws/sub'), goMod: inner });
  });
  it('falls back to cwd', async () => {
    const dir = path.join(tree.dir(), 'nothing/here');
    mkdirSync(dir, { recursive: true });
    // /tree.dir() has no go.mod above it on a sane machine.
    expect(await findProjectRoot(dir)).toEqual({ root: dir });
  });
});

describe('readGoDirectives', () => {
  it('reads go and toolchain lines with comments and CRLF', async () => {
    const f = write('go.mod', 'module example.com/x // the module\r\n\r\ngo 1.22 // language\r\ntoolchain go1.22.5\r\n\r\nrequire (\r\n\tgo v1.0.0\r\n)\r\n');
    expect(await readGoDirectives(f)).toEqual({ go: '1.22', toolchain: '1.22.5' });
  });
  it('ignores `toolchain default` and commented-out lines', () => {
    expect(parseGoDirectives('module x\n// go 1.99\ngo 1.21.0\ntoolchain default\n', 'go.mod')).toEqual({ go: '1.21.0' });
  });
  it('strips a custom toolchain suffix and reads go.work', () => {
    expect(parseGoDirectives('go 1.21rc1\ntoolchain go1.21.3-custom\nuse ./a\n', 'go.work')).toEqual({ go: '1.21rc1', toolchain: '1.21.3' });
  });
  it('returns nothing when there are no directives', () => {
    expect(parseGoDirectives('module x\n', 'go.mod')).toEqual({});
  });
  it('names the file and line of a bad go version', async () => {
    const f = write('go.mod', 'module x\n\ngo banana\n');
    await expect(readGoDirectives(f)).rejects.toThrow(UsageError);
    await expect(readGoDirectives(f)).rejects.toThrow(`${f}:3: invalid go version 'banana'`);
  });
  it.each(['go 1', 'go 1.21.3rc1', 'go 1.021', 'go v1.21', 'go', 'go 1.21 1.22'])('rejects %j', (line) => {
    expect(() => parseGoDirectives(`module x\n${line}\n`, 'go.mod')).toThrow(/^go\.mod:2: /);
  });
  it('rejects a bad toolchain line', () => {
    expect(() => parseGoDirectives('toolchain 1.21.0\n', 'go.mod')).toThrow("go.mod:1: invalid toolchain version '1.21.0'");
  });
  it('throws UsageError for a missing file', async () => {
    await expect(readGoDirectives(path.join(tree.dir(), 'nope/go.mod'))).rejects.toThrow(UsageError);
  });
});
