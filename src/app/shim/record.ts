import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from '../../common/zod.js';
import { GoboxError } from '../../common/errors.js';

/**
 * What `gobox shim install` wrote, so `gobox shim remove` undoes exactly that and nothing else:
 * each file with the sha256 of what was written, and the directories it had to create.
 */
export const shimRecord = z.object({
  v: z.literal(1),
  scope: z.enum(['user', 'system']),
  dir: z.string().startsWith('/'),
  files: z.array(z.object({ path: z.string().startsWith('/'), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  createdDirs: z.array(z.string().startsWith('/')),
  node: z.string(),
  entry: z.string(),
  installedAt: z.string(),
});
export type ShimRecord = z.infer<typeof shimRecord>;

export interface ShimPlaces {
  scope: 'user' | 'system';
  /** Where the shims go unless --dir says otherwise. */
  defaultDir: string;
  /** The record of what was written. */
  record: string;
  /** System scope: the login-shell snippet. */
  profileScript?: string;
}

/**
 * Where each scope keeps its shims and record. GOBOX_SHIM_SYSTEM_ROOT puts the system scope's
 * paths (/usr/local/lib/gobox, /etc/profile.d) under another root: tests, and image builds.
 */
export function shimPlaces(scope: 'user' | 'system', env: NodeJS.ProcessEnv): ShimPlaces {
  if (scope === 'system') {
    const root = env.GOBOX_SHIM_SYSTEM_ROOT ? path.resolve(env.GOBOX_SHIM_SYSTEM_ROOT) : '/';
    return {
      scope,
      defaultDir: path.join(root, 'usr/local/lib/gobox/bin'),
      record: path.join(root, 'usr/local/lib/gobox/shim-record.json'),
      profileScript: path.join(root, 'etc/profile.d/gobox.sh'),
    };
  }
  const home = env.HOME || os.homedir();
  const stateHome = env.XDG_STATE_HOME || path.join(home, '.local', 'state');
  return { scope, defaultDir: path.join(home, '.local', 'bin'), record: path.join(stateHome, 'gobox', 'shim-record.json') };
}

export function readRecord(file: string): ShimRecord | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new GoboxError(`cannot read the shim record ${file}: ${(e as Error).message}`);
  }
  const r = shimRecord.safeParse(JSON.parse(text));
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new GoboxError(`the shim record ${file} is damaged: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`, { hint: 'check the files it names by hand, then delete it' });
  }
  return r.data;
}

/** Written whole or not at all (temp file, rename). */
export function writeRecord(file: string, record: ShimRecord): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o644 });
  renameSync(tmp, file);
}

export function removeRecord(file: string): void {
  rmSync(file, { force: true });
}
