import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { entryPaths, type EntryPath } from './entry-paths.js';
import { findOnPath } from './path-lookup.js';
import { readRecord, shimPlaces, type ShimRecord } from './record.js';

export interface InstalledShims {
  scope: 'user' | 'system';
  record: string;
  dir: string;
  files: { path: string; state: 'ok' | 'missing' | 'changed' }[];
}

export interface ShimStatus {
  installed: InstalledShims[];
  /** The go this process's own PATH finds, and whether that is a gobox shim. */
  current: { go?: string; reach: 'shim' | 'bypass' | 'none' };
  /** GOBOX_SHIM=off is set here: shims run the host's go. */
  off: boolean;
  entries: EntryPath[];
}

/** Compared byte for byte, as install recorded it: the client is a binary, not text. */
function fileState(f: { path: string; sha256: string }): 'ok' | 'missing' | 'changed' {
  try {
    return createHash('sha256').update(readFileSync(f.path)).digest('hex') === f.sha256 ? 'ok' : 'changed';
  } catch {
    return 'missing';
  }
}

/** The user's and the system's installation, from their records (unreadable records count as none). */
export function installedShims(env: NodeJS.ProcessEnv): InstalledShims[] {
  const out: InstalledShims[] = [];
  for (const scope of ['user', 'system'] as const) {
    const places = shimPlaces(scope, env);
    let r: ShimRecord | undefined;
    try {
      r = readRecord(places.record);
    } catch {
      r = undefined;
    }
    if (r) out.push({ scope, record: places.record, dir: r.dir, files: r.files.map((f) => ({ path: f.path, state: fileState(f) })) });
  }
  return out;
}

export function currentGo(env: NodeJS.ProcessEnv): ShimStatus['current'] {
  const found = findOnPath('go', env.PATH);
  return found ? { go: found.path, reach: found.goboxShim ? 'shim' : 'bypass' } : { reach: 'none' };
}

/** Everything `gobox shim status` says: what is installed, and which ways of starting go reach it. */
export async function shimStatus(env: NodeJS.ProcessEnv): Promise<ShimStatus> {
  const installed = installedShims(env);
  const dir = installed.find((i) => i.scope === 'user')?.dir ?? installed[0]?.dir;
  return { installed, current: currentGo(env), off: /^(off|0|false|no)$/i.test(env.GOBOX_SHIM ?? ''), entries: await entryPaths(dir, env) };
}
