import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempTree } from '../common/temp-tree.test-util.js';
import { ToolchainError, UsageError } from '../common/errors.js';
import { resolveToolchain, type ResolveInput } from './resolve.js';

const tree = useTempTree('gobox-resolve-');
const write = tree.write;

const installed = ['1.19.8', 'go1.22.5', '1.22.10', '1.23rc1', '1.26.8', '1.26.1'];
const resolve = (over: Partial<ResolveInput> = {}) => resolveToolchain({ cwd: tree.dir(), installed, ...over });

describe('resolveToolchain', () => {
  it('1: --go wins over everything, exact or prefix', async () => {
    write('.go-version', '1.19.8\n');
    write('go.mod', 'module x\ngo 1.26\n');
    const env = { GOBOX_GO: '1.26.1' };
    expect(await resolve({ flag: 'go1.22.5', env })).toMatchObject({ version: '1.22.5', source: '--go' });
    expect(await resolve({ flag: '1.22', env })).toMatchObject({ version: '1.22.10', source: '--go' });
  });

  it('2: GOBOX_GO beats files; empty counts as unset', async () => {
    write('.go-version', '1.19.8\n');
    expect(await resolve({ env: { GOBOX_GO: '1.26' } })).toMatchObject({ version: '1.26.8', source: 'GOBOX_GO' });
    expect(await resolve({ env: { GOBOX_GO: '' } })).toMatchObject({ version: '1.19.8' });
  });

  it('3: .go-version in cwd or above, up to the project root', async () => {
    write('proj/go.mod', 'module x\ngo 1.26\n');
    const f = write('proj/.go-version', '# pinned\r\ngo1.22\r\n');
    mkdirSync(path.join(tree.dir(), 'proj/a/b'), { recursive: true });
    expect(await resolve({ cwd: path.join(tree.dir(), 'proj/a/b') })).toEqual({
      version: '1.22.10', source: f, detail: `${f} asks for 1.22 (newest 1.22.x)`,
    });
  });

  it('3: does not look above the project root', async () => {
    write('.go-version', '1.19.8\n');
    write('proj/go.mod', 'module x\ngo 1.22.0\n');
    expect(await resolve({ cwd: path.join(tree.dir(), 'proj') })).toMatchObject({ version: '1.26.8' });
  });

  it('4: toolchain line needs that exact version', async () => {
    const mod = write('go.mod', 'module x\ngo 1.21\ntoolchain go1.22.5\n');
    expect(await resolve()).toMatchObject({ version: '1.22.5', source: `${mod} toolchain line` });
    write('go.mod', 'module x\ngo 1.21\ntoolchain go1.22.6\n');
    const err = await resolve().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolchainError);
    expect((err as ToolchainError).message).toBe(
      `go.mod asks for toolchain go1.22.6 (${mod} toolchain line); installed: go1.19.8, go1.22.5, go1.22.10, go1.23rc1, go1.26.1, go1.26.8`,
    );
    expect((err as ToolchainError).hint).toBe('gobox toolchain install 1.22.6');
  });

  it('4: toolchain default and a toolchain older than the go line fall through to the go line', async () => {
    write('go.mod', 'module x\ngo 1.22.0\ntoolchain default\n');
    expect(await resolve()).toMatchObject({ version: '1.26.8' });
    const mod = write('go.mod', 'module x\ngo 1.23.0\ntoolchain go1.19.8\n');
    expect(await resolve()).toMatchObject({ version: '1.26.8', source: `${mod} go line` });
  });

  it('5: go line = newest installed at or above it, by Go ordering', async () => {
    const mod = write('go.mod', 'module x\ngo 1.23\n');
    expect(await resolve({ installed: ['1.22.10', '1.23rc1'] })).toMatchObject({ version: '1.23rc1', source: `${mod} go line` });
    expect(await resolve({ installed: ['1.9', '1.10'], project: undefined, cwd: tree.dir() }).catch((e: Error) => e.message)).toMatch(/asks for go ≥ 1.23/);
  });

  it('5: go.work wins over go.mod in the same dir', async () => {
    write('go.mod', 'module x\ngo 1.26.0\n');
    const work = write('go.work', 'go 1.19\nuse .\n');
    expect(await resolve()).toMatchObject({ source: `${work} go line`, version: '1.26.8' });
  });

  it('5: says which version is needed and how to install it', async () => {
    const mod = write('go.mod', 'module x\ngo 1.27\n');
    const err = await resolve({ installed: ['1.19.8', '1.26.8'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolchainError);
    expect((err as ToolchainError).message).toBe(`go.mod asks for go ≥ 1.27 (${mod} go line); installed: go1.19.8, go1.26.8`);
    expect((err as ToolchainError).hint).toBe('gobox toolchain install 1.27');
  });

  it('6: profile default, as a version, a prefix or latest', async () => {
    expect(await resolve({ profileDefault: '1.19.8' })).toMatchObject({ version: '1.19.8', source: 'profile default' });
    expect(await resolve({ profileDefault: '1.26' })).toMatchObject({ version: '1.26.8' });
    expect(await resolve({ profileDefault: 'latest' })).toMatchObject({ version: '1.26.8' });
    // The newest release wins over a newer prerelease.
    expect(await resolve({ installed: ['1.26.8', '1.27rc1'] })).toMatchObject({ version: '1.26.8' });
  });

  it('throws when nothing is installed or nothing fits', async () => {
    await expect(resolve({ installed: [] })).rejects.toThrow('no Go toolchain is installed');
    const err = await resolve({ flag: '1.27' }).then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ToolchainError);
    expect(err.message).toMatch(/^--go asks for go 1.27 \(newest 1.27.x\); installed: go1.19.8/);
    expect(err.hint).toBe('gobox toolchain install 1.27');
    await expect(resolve({ env: { GOBOX_GO: '1.22.6' } })).rejects.toThrow(/^GOBOX_GO asks for go 1.22.6; installed/);
  });

  it('rejects junk versions with UsageError naming the source', async () => {
    await expect(resolve({ flag: 'banana' })).rejects.toThrow(UsageError);
    const f = write('.go-version', 'banana\n');
    await expect(resolve()).rejects.toThrow(`${f}: not a Go version: banana`);
    write('.go-version', '');
    write('go.mod', 'module x\ngo banana\n');
    await expect(resolve()).rejects.toThrow(/go\.mod:2: invalid go version 'banana'/);
  });
});
