import { existsSync, mkdirSync, promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { ToolchainError } from '../../src/common/errors.js';
import { goArch } from '../../src/toolchain/mirror.js';
import { ToolchainStore } from '../../src/toolchain/store.js';
import { fileRoute, jsonRoute, packGoroot, serve, truncatedRoute } from '../fixtures/toolchain/mirror.js';
import { auditTree, DEBIAN_GO, freshStore, goVersion, leftovers, recordingProgress, SLOW, useStoreTmp } from '../helpers/toolchain-store.js';

/** Installing toolchains from a mirror served by the test: verification, races, cancel, errors. */
const tmp = useStoreTmp();

describe('ToolchainStore install from a mirror', () => {
  const arch = goArch();
  let archive: string;
  let packed: { sha256: string; size: number };
  let mirror: { url: string; close: () => Promise<void> };
  const name = (v: string) => `go${v}.linux-${arch}.tar.gz`;

  beforeAll(async () => {
    archive = path.join(tmp(), 'go1.19.8.tar.gz');
    // Debian's GOROOT without its 240 MB of prebuilt std packages (Go rebuilds those) and tests.
    packed = await packGoroot(DEBIAN_GO, archive, ['pkg/linux_amd64', 'test']);
    const file = (v: string, sha256 = packed.sha256, extra = {}) => ({
      filename: name(v), os: 'linux', arch, version: `go${v}`, sha256, size: packed.size, kind: 'archive', ...extra,
    });
    const index = [
      { version: 'go1.20rc1', stable: false, files: [file('1.20rc1')] },
      {
        version: 'go1.19.8', stable: true,
        files: [
          { ...file('1.19.8'), filename: 'go1.19.8.src.tar.gz', os: '', arch: '', kind: 'source' },
          { ...file('1.19.8'), filename: 'go1.19.8.darwin-arm64.tar.gz', os: 'darwin', arch: 'arm64' },
          file('1.19.8'),
        ],
      },
      { version: 'go1.19.7', stable: true, files: [file('1.19.7')] },
      { version: 'go1.18.1', stable: true, files: [file('1.18.1', 'ab'.repeat(32))] },
      { version: 'go1.17.1', stable: true, files: [file('1.17.1')] },
      { version: 'go1.16.1', stable: true, files: [{ ...file('1.16.1'), os: 'windows' }] },
    ];
    mirror = await serve({
      '/': jsonRoute(index),
      [`/${name('1.19.8')}`]: fileRoute(archive),
      [`/${name('1.18.1')}`]: fileRoute(archive),
      [`/${name('1.17.1')}`]: truncatedRoute(archive, 1_000_000),
    });
  }, SLOW);
  afterAll(async () => {
    await mirror?.close();
  });

  it('installs "1.19" as the newest 1.19.x, verified and read-only', async () => {
    const store = await freshStore();
    const progress = recordingProgress();
    const t = await store.install('1.19', { mirror: mirror.url, progress });
    expect(t.name).toBe('go1.19.8');
    expect(progress.lastBytes).toEqual([packed.size, packed.size]);
    expect(goVersion(t.path)).toMatch(/^go version go1\.19\.8 /);
    const audit = await auditTree(t.path);
    expect(audit.writable).toEqual([]);
    expect(audit.symlinks).toEqual([]);
    expect(existsSync(path.join(t.path, 'pkg', 'tool'))).toBe(true);
    expect(await leftovers(store)).toEqual([]);
    // Already there: no download.
    const again = recordingProgress();
    expect(await store.install('go1.19.8', { mirror: mirror.url, progress: again })).toEqual(t);
    expect(again.lastBytes).toBeUndefined();
    expect(again.events).toEqual([`notice go1.19.8 is already installed in ${t.path}`]);
  }, SLOW);

  it('loses a rename race cleanly: the first complete copy wins, ours is deleted', async () => {
    const store = await freshStore();
    const final = store.path('1.19.8');
    // Another process (past a broken lock) finishes first, just before our rename.
    const progress = {
      ...recordingProgress(),
      update: (t: string) => {
        if (t.startsWith('Verifying')) {
          mkdirSync(final);
          writeFileSync(path.join(final, 'VERSION'), 'go1.19.8\n');
        }
      },
    };
    const t = await store.install('1.19.8', { mirror: mirror.url, progress });
    expect(t.path).toBe(final);
    expect(await fs.readdir(final)).toEqual(['VERSION']);
    expect(await leftovers(store)).toEqual([]);
  }, SLOW);

  it('refuses a checksum mismatch and installs nothing', async () => {
    const store = await freshStore();
    const err = await store.install('1.18.1', { mirror: mirror.url }).then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ToolchainError);
    expect(err).toBeInstanceOf(ToolchainError);
    expect(err.message).toBe(`checksum mismatch for ${name('1.18.1')}: expected ${'ab'.repeat(32)}, got ${packed.sha256}`);
    expect(await store.list()).toEqual([]);
    expect(await leftovers(store)).toEqual([]);
  }, SLOW);

  it('refuses a truncated download and installs nothing', async () => {
    const store = await freshStore();
    const err = await store.install('1.17.1', { mirror: mirror.url }).then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ToolchainError);
    expect(err).toBeInstanceOf(ToolchainError);
    expect(err.message).toMatch(new RegExp(`^download of ${name('1.17.1').replace(/\./g, '\\.')} was cut short .*: got \\d+ of ${packed.size} bytes$`));
    expect(await store.list()).toEqual([]);
    expect(await leftovers(store)).toEqual([]);
  }, SLOW);

  it('can be cancelled mid-download, leaving nothing', async () => {
    const store = await freshStore();
    const ac = new AbortController();
    const progress = { ...recordingProgress(), bytes: () => ac.abort() };
    const err = await store.install('1.19.8', { mirror: mirror.url, progress, signal: ac.signal }).then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ToolchainError);
    expect(err).toBeInstanceOf(ToolchainError);
    expect(err.message).toBe('install of go1.19.8 was cancelled');
    expect(err.exitCode).toBe(130);
    expect(await leftovers(store)).toEqual([]);
  }, SLOW);

  it('says when a version is not offered, or not for this OS', async () => {
    const store = await freshStore();
    const err = await store.install('1.99.1', { mirror: mirror.url }).then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ToolchainError);
    expect(err.message).toBe(`go1.99.1 is not offered by ${mirror.url}`);
    expect(err.hint).toBe('gobox toolchain list --available');
    await expect(store.install('1.16.1', { mirror: mirror.url })).rejects.toThrow(`go1.16.1 has no linux-${arch} archive at ${mirror.url}`);
    expect(await leftovers(store)).toEqual([]);
  });

  it('lists what the mirror offers for this os/arch, newest first', async () => {
    const store = await freshStore();
    expect(await store.available(mirror.url)).toEqual([
      { version: '1.20rc1', stable: false },
      { version: '1.19.8', stable: true },
      { version: '1.19.7', stable: true },
      { version: '1.18.1', stable: true },
      { version: '1.17.1', stable: true },
    ]);
  });

  it('removes a version unless a sandbox uses it', async () => {
    const store = await freshStore();
    await store.install('1.19.8', { mirror: mirror.url });
    await expect(store.remove('1.19.8', { inUse: async () => true })).rejects.toThrow('go1.19.8 is in use by a running sandbox');
    expect((await store.list()).length).toBe(1);
    await store.remove('go1.19.8', { inUse: async () => false });
    expect(await store.list()).toEqual([]);
    expect(await leftovers(store)).toEqual([]);
    await expect(store.remove('1.19.8')).rejects.toThrow('go1.19.8 is not installed');
  }, SLOW);
});

describe('ToolchainStore mirror errors', () => {
  let servers: { url: string; close: () => Promise<void> }[] = [];
  beforeEach(() => {
    servers = [];
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('reports an index that is not JSON, or not the right shape', async () => {
    const store = await freshStore();
    const bad = await serve({ '/': jsonRoute('{"oops": ') });
    const shape = await serve({ '/': jsonRoute([{ version: 'go1.2', stable: 'yes', files: [] }]) });
    servers.push(bad, shape);
    await expect(store.install('1.22.5', { mirror: bad.url })).rejects.toThrow(
      new RegExp(`^mirror index at ${bad.url}/\\?mode=json&include=all is not valid: `),
    );
    await expect(store.available(shape.url)).rejects.toThrow(`mirror index at ${shape.url}/?mode=json&include=all is not valid: 0.stable: `);
  });

  it('reports a mirror that is down', async () => {
    const store = await freshStore();
    const gone = await serve({});
    await gone.close();
    const err = await store.install('1.22.5', { mirror: gone.url }).then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ToolchainError);
    expect(err).toBeInstanceOf(ToolchainError);
    expect(err.message).toBe(`cannot reach Go mirror ${gone.url}: ECONNREFUSED`);
    expect(err.hint).toContain('GOBOX_GO_MIRROR');
    expect(await leftovers(store)).toEqual([]);
  });

  it('reports an HTTP error from the index', async () => {
    const store = await freshStore();
    const empty = await serve({});
    servers.push(empty);
    await expect(store.available(empty.url)).rejects.toThrow(`Go mirror index at ${empty.url}/?mode=json&include=all answered HTTP 404`);
  });
});
