import { execFile } from 'node:child_process';
import { CacheError } from '../common/errors.js';

/** sbin tools (mkfs.ext4, losetup) are not on every caller's PATH, e.g. under sudo's secure_path or env -i. */
const SBIN_PATH = '/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin';

/** Runs a host tool; a failure becomes a CacheError with the tool's own words. */
export function run(cmd: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, PATH: `${process.env.PATH ?? ''}:${SBIN_PATH}`, LC_ALL: 'C' }, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const detail = (stderr || err.message).trim().split('\n').slice(-2).join('; ');
      reject(new CacheError(`cannot ${what}: ${detail}`, { cause: err }));
    });
  });
}

/** Which of these tools cannot be found (on PATH or in the sbin dirs); one shell for all of them. */
export async function missingTools(tools: string[]): Promise<string[]> {
  const found = await run('sh', ['-c', 'for t; do command -v "$t" >/dev/null && echo "$t"; done; true', 'sh', ...tools], 'look for tools').catch(() => '');
  const have = new Set(found.split('\n'));
  return tools.filter((t) => !have.has(t));
}
