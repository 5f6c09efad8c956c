import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { ToolchainError } from '../../src/common/errors.js';
import type { Progress } from '../../src/common/progress.js';
import { goArch } from '../../src/toolchain/mirror.js';
import { ToolchainStore } from '../../src/toolchain/store.js';
import { fileRoute, jsonRoute, packGoroot, serve, truncatedRoute } from '../fixtures/toolchain/mirror.js';

const DEBIAN_GO = '/usr/lib/go-1.19';
const HOST_GO = '/usr/local/go';
const SLOW = 120_000;

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gobox-store-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

let n = 0;
/** A fresh, empty store per test, so leftover checks see only that test's work. */
async function freshStore(): Promise<ToolchainStore> {
  return new ToolchainStore(path.join(tmp, `store-${++n}`, 'toolchains'));
}

/** Store entries other than installed go1* dirs: temp dirs, archives, locks. */
async function leftovers(store: ToolchainStore): Promise<string[]> {
  const entries = await fs.readdir(store.root).catch(() => [] as string[]);
  return entries.filter((e) => !/^go\d/.test(e)).sort();
}

function recordingProgress(): Progress & { events: string[]; lastBytes?: [number, number | undefined] } {
  const p: Progress & { events: string[]; lastBytes?: [number, number | undefined] } = {
    events: [],
    start: (t) => p.events.push(`start ${t}`),
    update: (t) => p.events.push(`update ${t}`),
    bytes: (d, t) => { p.lastBytes = [d, t]; },
    succeed: (t) => p.events.push(`succeed ${t ?? ''}`),
    fail: (t) => p.events.push(`fail ${t ?? ''}`),
    notice: (t) => p.events.push(`notice ${t}`),
  };
  return p;
}

/** Every path in the tree: none may be a symlink or writable by group/other. */
async function auditTree(root: string): Promise<{ files: number; symlinks: string[]; writable: string[] }> {
  const out = { files: 0, symlinks: [] as string[], writable: [] as string[] };
  async function walk(p: string): Promise<void> {
    const st = await fs.lstat(p);
    if (st.isSymbolicLink()) out.symlinks.push(p);
    if (st.mode & 0o022) out.writable.push(p);
    if (st.isDirectory()) await Promise.all((await fs.readdir(p)).map((e) => walk(path.join(p, e))));
    else out.files++;
  }
  await walk(root);
  return out;
}

function goVersion(goroot: string): string {
  // Telemetry off (see verify.ts), so no child process writes into tmp while afterAll removes it.
  const config = path.join(tmp, 'config');
  mkdirSync(path.join(config, 'go', 'telemetry'), { recursive: true });
  writeFileSync(path.join(config, 'go', 'telemetry', 'mode'), 'off');
  const env = { PATH: '/usr/bin:/bin', HOME: tmp, XDG_CONFIG_HOME: config, GOTOOLCHAIN: 'local' };
  return execFileSync(path.join(goroot, 'bin', 'go'), ['version'], { env, encoding: 'utf8' }).trim();
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid ?? 999_999;
}

describe('ToolchainStore import', () => {
  it('imports Debian Go, dereferencing its symlinks, read-only for group/other', async () => {
    const store = await freshStore();
    const progress = recordingProgress();
    const t = await store.importDir(DEBIAN_GO, progress);
    expect(t).toEqual({ version: '1.19.8', name: 'go1.19.8', path: path.join(store.root, 'go1.19.8') });
    const audit = await auditTree(t.path);
    expect(audit.symlinks).toEqual([]);
    expect(audit.writable).toEqual([]);
    expect(audit.files).toBeGreaterThan(5000);
    expect((await fs.stat(path.join(t.path, 'bin', 'go'))).mode & 0o777).toBe(0o755);
    expect((await fs.stat(path.join(t.path, 'src'))).mode & 0o777).toBe(0o755);
    expect((await fs.stat(path.join(t.path, 'VERSION'))).mode & 0o777).toBe(0o644);
    expect(goVersion(t.path)).toMatch(/^go version go1\.19\.8 /);
    expect(progress.events.at(-1)).toMatch(/^succeed Installed go1\.19\.8/);
    expect(await leftovers(store)).toEqual([]);

    // Importing it again is a no-op that says so.
    const again = recordingProgress();
    expect(await store.importDir(DEBIAN_GO, again)).toEqual(t);
    expect(again.events).toEqual([`notice go1.19.8 is already installed in ${t.path}`]);

    // A second version sorts by Go's ordering.
    await store.importDir(HOST_GO);
    const hostVersion = (await fs.readFile(path.join(HOST_GO, 'VERSION'), 'utf8')).split('\n')[0]!.slice(2);
    expect((await store.list()).map((x) => x.version)).toEqual([hostVersion, '1.19.8']);
    expect(goVersion(store.path(hostVersion))).toContain(`go${hostVersion} `);
  }, SLOW);

  it('two concurrent imports of one version end in one copy', async () => {
    const store = await freshStore();
    const pa = recordingProgress();
    const pb = recordingProgress();
    const [a, b] = await Promise.all([store.importDir(HOST_GO, pa), store.importDir(HOST_GO, pb)]);
    expect(a).toEqual(b);
    // One copied, the other waited for the lock and found it done.
    const events = [...pa.events, ...pb.events];
    expect(events.filter((e) => e.startsWith('succeed Installed'))).toHaveLength(1);
    expect(events.filter((e) => e === `succeed ${a.name} is already installed in ${a.path}`)).toHaveLength(1);
    expect(events.some((e) => e.startsWith(`start Waiting for another install of ${a.name} (pid ${process.pid})`))).toBe(true);
    expect((await store.list()).length).toBe(1);
    expect(await leftovers(store)).toEqual([]);
  }, SLOW);

  it('cleans up after a killed install: stale temp dirs and locks of dead pids', async () => {
    const store = await freshStore();
    const pid = deadPid();
    await fs.mkdir(path.join(store.root, `.tmp-${pid}.1-install-go1.26.8-abcd/goroot/bin`), { recursive: true });
    await fs.writeFile(path.join(store.root, `.tmp-${pid}-lock-go1.26.8-ffff`), 'x');
    const version = (await fs.readFile(path.join(HOST_GO, 'VERSION'), 'utf8')).split('\n')[0]!;
    await fs.writeFile(path.join(store.root, `.lock-${version}`), `${pid}.1 deadbeef\n`);
    // A live owner's temp dir is left alone.
    const live = `.tmp-${process.pid}-install-go1.1-0000`;
    await fs.mkdir(path.join(store.root, live));
    expect(await store.list()).toEqual([]);
    expect(await leftovers(store)).toEqual([live]);
    const t = await store.importDir(HOST_GO);
    expect(t.name).toBe(version);
    expect(await leftovers(store)).toEqual([live]);
  }, SLOW);

  it('refuses a dir that is not a Go release, leaving nothing behind', async () => {
    const store = await freshStore();
    const fake = path.join(tmp, 'fake-goroot');
    await fs.mkdir(path.join(fake, 'bin'), { recursive: true });
    await fs.writeFile(path.join(fake, 'VERSION'), 'go1.30.1\n');
    await fs.writeFile(path.join(fake, 'bin', 'go'), '#!/bin/sh\necho go version go1.2.3 linux/amd64\n', { mode: 0o755 });
    await expect(store.importDir(fake)).rejects.toThrow(/bin\/go reports 'go version go1\.2\.3/);
    await fs.writeFile(path.join(fake, 'VERSION'), 'devel go1.31-abcdef\n');
    await expect(store.importDir(fake)).rejects.toThrow(/does not name a Go release/);
    await fs.rm(path.join(fake, 'VERSION'));
    await expect(store.importDir(fake)).rejects.toThrow(/has no VERSION file/);
    await expect(store.importDir(path.join(tmp, 'missing'))).rejects.toThrow(ToolchainError);
    expect(await store.list()).toEqual([]);
    expect(await leftovers(store)).toEqual([]);
  });

  it('finds the host Go', async () => {
    const store = await freshStore();
    const root = await store.findHostGo();
    expect(root === undefined || existsSync(path.join(root, 'VERSION'))).toBe(true);
  });
});

describe('ToolchainStore install from a mirror', () => {
  const arch = goArch();
  let archive: string;
  let packed: { sha256: string; size: number };
  let mirror: { url: string; close: () => Promise<void> };
  const name = (v: string) => `go${v}.linux-${arch}.tar.gz`;

  beforeAll(async () => {
    archive = path.join(tmp, 'go1.19.8.tar.gz');
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
    const err = await store.install('1.18.1', { mirror: mirror.url }).catch((e: unknown) => e as ToolchainError);
    expect(err).toBeInstanceOf(ToolchainError);
    expect(err.message).toBe(`checksum mismatch for ${name('1.18.1')}: expected ${'ab'.repeat(32)}, got ${packed.sha256}`);
    expect(await store.list()).toEqual([]);
    expect(await leftovers(store)).toEqual([]);
  }, SLOW);

  it('refuses a truncated download and installs nothing', async () => {
    const store = await freshStore();
    const err = await store.install('1.17.1', { mirror: mirror.url }).catch((e: unknown) => e as ToolchainError);
    expect(err).toBeInstanceOf(ToolchainError);
    expect(err.message).toMatch(new RegExp(`^download of ${name('1.17.1').replace(/\./g, '\\.')} was cut short .*: got \\d+ of ${packed.size} bytes$`));
    expect(await store.list()).toEqual([]);
    expect(await leftovers(store)).toEqual([]);
  }, SLOW);

  it('can be cancelled mid-download, leaving nothing', async () => {
    const store = await freshStore();
    const ac = new AbortController();
    const progress = { ...recordingProgress(), bytes: () => ac.abort() };
    const err = await store.install('1.19.8', { mirror: mirror.url, progress, signal: ac.signal }).catch((e: unknown) => e as ToolchainError);
    expect(err).toBeInstanceOf(ToolchainError);
    expect(err.message).toBe('install of go1.19.8 was cancelled');
    expect(err.exitCode).toBe(130);
    expect(await leftovers(store)).toEqual([]);
  }, SLOW);

  it('says when a version is not offered, or not for this OS', async () => {
    const store = await freshStore();
    const err = await store.install('1.99.1', { mirror: mirror.url }).catch((e: unknown) => e as ToolchainError);
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
    const err = await store.install('1.22.5', { mirror: gone.url }).catch((e: unknown) => e as ToolchainError);
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
