import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { JAIL_DEFAULT_EPOCH } from '../../sandbox/jail-spec.js';
import { goSumModules } from './provenance.js';

const run = promisify(execFile);

/** The source's commit and its commit time, when it is a git checkout git can read. */
export async function gitFacts(root: string): Promise<{ commit?: string; epoch: number }> {
  try {
    // safe.directory: root reading a user's checkout is the common case; git refuses it otherwise.
    const { stdout } = await run('git', ['-c', 'safe.directory=*', '-C', root, 'log', '-1', '--format=%H %ct'], { encoding: 'utf8' });
    const [commit, ct] = stdout.trim().split(' ');
    if (commit && /^[0-9a-f]{40,64}$/.test(commit) && ct && Number.isInteger(Number(ct))) return { commit, epoch: Number(ct) };
  } catch {
    // Not a checkout, no commit yet, or no git: the fixed epoch.
  }
  return { epoch: JAIL_DEFAULT_EPOCH };
}

export async function readGoSum(root: string): Promise<{ path: string; version: string; h1: string }[]> {
  const text = await readFile(path.join(root, 'go.sum'), 'utf8').catch(() => '');
  return goSumModules(text);
}

let version: string | undefined;
/** gobox's own version, from its package.json (src/app/jail and dist/app/jail are both three levels down). */
export async function goboxVersion(): Promise<string> {
  if (version) return version;
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json');
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  const v = typeof parsed === 'object' && parsed !== null && 'version' in parsed ? parsed.version : undefined;
  version = typeof v === 'string' ? v : '0.0.0';
  return version;
}

export function hostName(): string {
  return os.hostname();
}
