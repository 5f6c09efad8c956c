import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from '../common/zod.js';
import { PolicyError, UsageError } from '../common/errors.js';
import { forbiddenReason, type PathContext } from './path-rules.js';
import { nodeScriptAs } from './as-user.js';
import type { HostUser } from './users.js';

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'project-as-user.js');

const probeResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), cwd: z.string(), root: z.string(), dev: z.number(), ino: z.number(), owner: z.number(), files: z.record(z.string(), z.string()) }),
  z.object({ ok: z.literal(false), code: z.string(), path: z.string() }),
]);

/** The project as its user can reach it; dev and ino name the root directory for the mount check. */
export interface ProbedProject {
  cwd: string;
  root: string;
  dev: number;
  ino: number;
  /** .go-version, go.work and go.mod contents, read by the user (absent: not there or not theirs to read). */
  files: Record<string, string>;
}

/**
 * Resolves the project as the user, in a child process with their uid, gid and groups (setpriv
 * --init-groups; without setpriv, Node's uid/gid with no supplementary groups, which only refuses
 * more). Root's own view is never used: root can enter directories the user cannot.
 */
function runProbe(user: HostUser, cwd: string): Promise<string> {
  const as = nodeScriptAs(user, PROBE, [cwd]);
  return new Promise((resolve, reject) => {
    const o = { env: { PATH: '/usr/bin:/bin', LANG: 'C' }, cwd: '/', timeout: 15_000, maxBuffer: 1024 * 1024, encoding: 'utf8' as const, ...as.ids };
    execFile(as.file, as.args, o, (err, stdout) => (stdout ? resolve(stdout) : reject(err ?? new Error('path probe gave no answer'))));
  });
}

export async function probeProject(user: HostUser, cwd: string, ctx: PathContext): Promise<ProbedProject> {
  let parsed: z.infer<typeof probeResult>;
  try {
    parsed = probeResult.parse(JSON.parse((await runProbe(user, cwd)).trim().split('\n').pop() ?? ''));
  } catch (e) {
    throw new UsageError(`cannot check project directory ${cwd} as ${user.name}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!parsed.ok) {
    const why = parsed.code === 'EACCES' ? 'you cannot reach it (permission denied)' : parsed.code === 'ENOENT' ? 'it does not exist'
      : parsed.code === 'ELOOP' || parsed.code === 'ENOTDIR' ? 'it is not a directory (or it is a symlink)' : parsed.code === 'ERACE' ? 'it changed while it was checked' : parsed.code;
    throw new PolicyError(`refused project directory ${cwd}: ${why}`, { hint: 'run gobox from a directory of your own' });
  }
  const reason = forbiddenReason(parsed.root, ctx);
  if (reason) throw new PolicyError(`refused project directory ${parsed.root}: ${reason}`, { hint: 'run gobox from a directory of your own' });
  return { cwd: parsed.cwd, root: parsed.root, dev: parsed.dev, ino: parsed.ino, files: parsed.files };
}
