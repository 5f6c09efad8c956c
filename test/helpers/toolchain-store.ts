import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Progress } from '../../src/common/progress.js';
import { ToolchainStore } from '../../src/toolchain/store.js';

/** What the toolchain store tests share: stores in a temp dir, progress recording, tree audits. */
export const DEBIAN_GO = '/usr/lib/go-1.19';
export const HOST_GO = '/usr/local/go';
export const SLOW = 120_000;

let dir = '';
/**
 * The temp dir of the calling test file's stores, made before its tests and removed after them.
 * Call it once at the top of a test file; the result gives the dir.
 */
export function useStoreTmp(): () => string {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gobox-store-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

let n = 0;
/** A fresh, empty store per test, so leftover checks see only that test's work. */
export async function freshStore(): Promise<ToolchainStore> {
  return new ToolchainStore(path.join(dir, `store-${++n}`, 'toolchains'));
}

/**
 * Store entries other than installed go1* dirs and their manifests: temp dirs, archives, locks,
 * and anything in .manifests/ that is not one installed version's manifest.
 */
export async function leftovers(store: ToolchainStore): Promise<string[]> {
  const entries = await fs.readdir(store.root).catch(() => [] as string[]);
  const installed = new Set(entries.filter((e) => /^go\d/.test(e)));
  const manifests = await fs.readdir(path.join(store.root, '.manifests')).catch(() => [] as string[]);
  return [
    ...entries.filter((e) => !installed.has(e) && e !== '.manifests'),
    ...manifests.filter((m) => !installed.has(m.replace(/\.json$/, ''))).map((m) => `.manifests/${m}`),
  ].sort();
}

export function recordingProgress(): Progress & { events: string[]; lastBytes?: [number, number | undefined] } {
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
export async function auditTree(root: string): Promise<{ files: number; symlinks: string[]; writable: string[] }> {
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

export function goVersion(goroot: string): string {
  // Telemetry off (see verify.ts), so no child process writes into tmp while afterAll removes it.
  const config = path.join(dir, 'config');
  mkdirSync(path.join(config, 'go', 'telemetry'), { recursive: true });
  writeFileSync(path.join(config, 'go', 'telemetry', 'mode'), 'off');
  const env = { PATH: '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: config, GOTOOLCHAIN: 'local' };
  return execFileSync(path.join(goroot, 'bin', 'go'), ['version'], { env, encoding: 'utf8' }).trim();
}

/** A pid that certainly belonged to a process that has exited. */
export function deadPid(): number {
  const r = spawnSync('true');
  return r.pid ?? 999_999;
}
