import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UsageError } from '../common/errors.js';
import type { HostUser } from './users.js';

/** What a script run as the user answers: one JSON line, a result or a refusal in the user's words. */
type Answer = { ok: true } & Record<string, unknown>;

/**
 * How to start one of gobox's own node scripts as the user: under setpriv with their uid, gid and
 * login groups; without setpriv, Node's uid/gid and no supplementary groups (which only refuses
 * more). The one way the daemon runs anything as a user (path-safety.ts, runAsUser below).
 */
export function nodeScriptAs(user: HostUser, script: string, args: string[]): { file: string; args: string[]; ids: { uid: number; gid: number } | Record<string, never> } {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  const argv = [process.execPath, script, ...args];
  if (!setpriv) return { file: argv[0]!, args: argv.slice(1), ids: { uid: user.uid, gid: user.gid } };
  return { file: setpriv, args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', ...argv], ids: {} };
}

/**
 * Runs one of gobox's own node scripts as the user: their uid, gid and groups (setpriv
 * --init-groups; without setpriv, Node's uid/gid and no supplementary groups, which only refuses
 * more). Whatever it reads or writes, it does with the user's permissions, never root's.
 * `fds` are open files handed to it as fd 3, 4, ...: root opens them, the user only reads them.
 */
export function runAsUser(user: HostUser, script: string, args: string[], o: { input?: string; fds?: number[]; timeoutMs?: number } = {}): Promise<Answer> {
  const env = { PATH: '/usr/bin:/bin', LANG: 'C', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1' };
  const as = nodeScriptAs(user, script, args);
  return new Promise((resolve, reject) => {
    const child = spawn(as.file, as.args, {
      env, cwd: '/', timeout: o.timeoutMs ?? 600_000,
      stdio: ['pipe', 'pipe', 'pipe', ...(o.fds ?? [])],
      ...as.ids,
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()).length > 1 << 20 && child.kill());
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()).length > 1 << 20 && child.kill());
    child.on('error', reject);
    child.stdin!.on('error', () => {});
    child.stdin!.end(o.input ?? '');
    child.on('close', () => {
      let answer: unknown;
      try {
        answer = JSON.parse(out.trim().split('\n').pop() ?? '');
      } catch {
        return reject(new Error(`a helper run as ${user.name} gave no answer: ${err.trim().split('\n').pop() ?? ''}`));
      }
      const a = answer as { ok?: unknown; message?: unknown; hint?: unknown };
      if (a.ok === true) return resolve(answer as Answer);
      reject(new UsageError(String(a.message ?? 'refused'), typeof a.hint === 'string' ? { hint: a.hint } : {}));
    });
  });
}
