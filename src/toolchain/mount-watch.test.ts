import { chmodSync, lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildManifest, stampRoot, writeManifest } from './manifest.js';
import { checkBeforeMount, fullPassCount } from './mount-check.js';
import { openWatches, stillUnchanged, stopWatchingToolchains, watchToolchainsForMounts } from './mount-watch.js';
import { provenManifest } from './proven-manifests.js';

/** A small GOROOT with a few dirs, in a store of its own, checked as the agent and the daemon do. */
let root = '';

async function install(version: string): Promise<string> {
  const work = path.join(root, `.tmp-${version}`);
  for (const d of ['bin', 'src/fmt', 'pkg/tool/linux_amd64']) mkdirSync(path.join(work, d), { recursive: true });
  writeFileSync(path.join(work, 'VERSION'), `go${version}\n`, { mode: 0o644 });
  writeFileSync(path.join(work, 'bin', 'go'), 'binary', { mode: 0o755 });
  writeFileSync(path.join(work, 'src', 'fmt', 'print.go'), 'package fmt\n', { mode: 0o644 });
  writeFileSync(path.join(work, 'pkg', 'tool', 'linux_amd64', 'vet'), 'vet', { mode: 0o755 });
  const m = await buildManifest(work, version, { kind: 'import', dir: '/nowhere' });
  const goroot = path.join(root, `go${version}`);
  renameSync(work, goroot);
  await writeManifest(root, `go${version}`, await stampRoot(m, goroot));
  return goroot;
}

let goroot = '';
beforeEach(async () => {
  root = path.join(mkdtempSync(path.join(os.tmpdir(), 'gobox-mw-')), 'toolchains');
  mkdirSync(root, { mode: 0o755 });
  chmodSync(path.dirname(root), 0o755);
  goroot = await install('1.22.5');
});
afterEach(() => {
  stopWatchingToolchains();
  rmSync(path.dirname(root), { recursive: true, force: true });
});

/** Full passes one check makes, and what it says: 'ok' or the refusal. */
async function check(g = goroot): Promise<{ passes: number; said: string }> {
  const before = fullPassCount();
  const said = await checkBeforeMount(g, path.basename(g).slice(2)).then(() => 'ok', (e: Error) => e.message);
  return { passes: fullPassCount() - before, said };
}

/** What the full pass alone says of the tree as it is now. */
async function fullPassSays(): Promise<string> {
  stopWatchingToolchains();
  return (await check()).said;
}

const tampers: [string, (g: string) => void][] = [
  ['a file written', (g) => writeFileSync(path.join(g, 'src', 'fmt', 'print.go'), 'package fmx\n')],
  ['a mode changed', (g) => chmodSync(path.join(g, 'VERSION'), 0o600)],
  ['a file added in a subdir', (g) => writeFileSync(path.join(g, 'pkg', 'tool', 'linux_amd64', 'extra'), '')],
  ['a file removed', (g) => rmSync(path.join(g, 'bin', 'go'))],
  ['a file renamed', (g) => renameSync(path.join(g, 'src', 'fmt', 'print.go'), path.join(g, 'src', 'fmt', 'print2.go'))],
  ['a symlink added', (g) => symlinkSync('/etc', path.join(g, 'src', 'etc'))],
];

describe('checkBeforeMount with watches (a long-lived process)', () => {
  it('answers a second check of an untouched tree without a full pass', async () => {
    watchToolchainsForMounts();
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    // The store root, the manifest dir, the GOROOT and its 6 dirs.
    expect(openWatches()).toBe(9);
    expect(await check()).toEqual({ passes: 0, said: 'ok' });
    expect(await check()).toEqual({ passes: 0, said: 'ok' });
  });

  it.each(tampers)('%s: the next check makes a full pass and refuses as it would without watches', async (_, tamper) => {
    watchToolchainsForMounts();
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(await check()).toEqual({ passes: 0, said: 'ok' });
    tamper(goroot);
    const watched = await check();
    expect(watched.passes).toBe(1);
    expect(watched.said).toMatch(/^go1\.22\.5 in .* changed since it was installed \(.+\); refusing to mount it$/);
    expect(watched.said).toBe(await fullPassSays());
  });

  it('sees a change made just before it asks, with no other I/O in between (the kernel queued the event)', async () => {
    watchToolchainsForMounts();
    await check();
    const { manifest } = (await provenManifest(root, 'go1.22.5')) as { manifest: Parameters<typeof stillUnchanged>[1] };
    expect(await stillUnchanged(goroot, manifest, lstatSync(goroot))).toBe(true);
    chmodSync(path.join(goroot, 'bin', 'go'), 0o700);
    expect(await stillUnchanged(goroot, manifest, lstatSync(goroot))).toBe(false);
  });

  it('is proven again once the tree is as recorded (here: a new manifest for it)', async () => {
    watchToolchainsForMounts();
    await check();
    writeFileSync(path.join(goroot, 'bin', 'extra'), '');
    expect((await check()).passes).toBe(1);
    rmSync(path.join(goroot, 'bin', 'extra'));
    const m = await buildManifest(goroot, '1.22.5', { kind: 'recorded' });
    await writeManifest(root, 'go1.22.5', m);
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(await check()).toEqual({ passes: 0, said: 'ok' });
  });

  it('makes a full pass after another toolchain was installed beside it, and when the proof is older than its limit', async () => {
    watchToolchainsForMounts();
    await check();
    await install('1.21.0'); // writes another manifest beside this one
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    stopWatchingToolchains();
    watchToolchainsForMounts({ maxAgeMs: -1 });
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
  });

  it('forgets the least recently used toolchain past its limit, closing its watches', async () => {
    const other = await install('1.21.0');
    watchToolchainsForMounts({ maxToolchains: 1 });
    await check();
    expect(await check(other)).toEqual({ passes: 1, said: 'ok' });
    expect(await check(other)).toEqual({ passes: 0, said: 'ok' });
    expect(openWatches()).toBe(9);
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(await check()).toEqual({ passes: 0, said: 'ok' });
  });

  it('falls back to a full pass on every check when the kernel refuses a watch, closing what it armed', async () => {
    let armed = 0;
    const enospc = (dir: string): FSWatcher => {
      if (++armed > 4) throw Object.assign(new Error(`ENOSPC: System limit for number of file watchers reached, watch '${dir}'`), { code: 'ENOSPC' });
      return watch(dir, { persistent: false });
    };
    watchToolchainsForMounts({ watch: enospc });
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(openWatches()).toBe(0);
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(armed).toBe(5); // never tried again
    chmodSync(path.join(goroot, 'VERSION'), 0o600);
    expect((await check()).said).toMatch(/VERSION: mode changed/);
  });

  it('makes full passes when a tree needs more watches than it may hold', async () => {
    watchToolchainsForMounts({ maxWatches: 2 });
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(openWatches()).toBe(0);
  });

  it('is off in a process that did not opt in', async () => {
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(await check()).toEqual({ passes: 1, said: 'ok' });
    expect(openWatches()).toBe(0);
  });
});
