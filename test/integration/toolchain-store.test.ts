import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolchainError } from '../../src/common/errors.js';
import { ToolchainStore } from '../../src/toolchain/store.js';
import { auditTree, deadPid, DEBIAN_GO, freshStore, goVersion, HOST_GO, leftovers, recordingProgress, SLOW, useStoreTmp } from '../helpers/toolchain-store.js';

/** Importing toolchains into the store: real Go trees, concurrency, cleanup after a kill. */
const tmp = useStoreTmp();

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
    const fake = path.join(tmp(), 'fake-goroot');
    await fs.mkdir(path.join(fake, 'bin'), { recursive: true });
    await fs.writeFile(path.join(fake, 'VERSION'), 'go1.30.1\n');
    await fs.writeFile(path.join(fake, 'bin', 'go'), '#!/bin/sh\necho go version go1.2.3 linux/amd64\n', { mode: 0o755 });
    await expect(store.importDir(fake)).rejects.toThrow(/bin\/go reports 'go version go1\.2\.3/);
    await fs.writeFile(path.join(fake, 'VERSION'), 'devel go1.31-abcdef\n');
    await expect(store.importDir(fake)).rejects.toThrow(/does not name a Go release/);
    await fs.rm(path.join(fake, 'VERSION'));
    await expect(store.importDir(fake)).rejects.toThrow(/has no VERSION file/);
    await expect(store.importDir(path.join(tmp(), 'missing'))).rejects.toThrow(ToolchainError);
    expect(await store.list()).toEqual([]);
    expect(await leftovers(store)).toEqual([]);
  });

  it('finds the host Go', async () => {
    const store = await freshStore();
    const root = await store.findHostGo();
    expect(root === undefined || existsSync(path.join(root, 'VERSION'))).toBe(true);
  });
});
