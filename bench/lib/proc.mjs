// Running and timing child processes. Every measured command goes through timed(): one
// spawnSync with stdin from /dev/null, wall-clock time from hrtime, and a failed run aborts
// the bench with its output (a number from a failed command would be meaningless).
import { spawnSync } from 'node:child_process';

export class BenchError extends Error {}

/** A short, shell-like rendering of an argv for messages. */
export function show(argv) {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

/**
 * Runs argv to completion. Output is captured (not shown) so a failure can be reported;
 * capture costs the same for every variant. opts: cwd, env, uid, gid, allowFail, expect (RegExp on stdout).
 */
export function run(argv, opts = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    uid: opts.uid,
    gid: opts.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const result = { ms, status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
  if (!opts.allowFail && (r.error || r.status !== 0)) throw new BenchError(failure(argv, result, opts));
  // Exit status 0 alone is not proof the work happened (a CLI entry point that silently does
  // nothing also exits 0), so variants that print something say what they must print.
  if (opts.expect && !opts.expect.test(result.stdout)) {
    result.error = new Error(`output does not match ${opts.expect}`);
    throw new BenchError(failure(argv, result, opts));
  }
  return result;
}

/** Wall-clock milliseconds of one successful run. */
export function timed(argv, opts) {
  return run(argv, opts).ms;
}

function failure(argv, r, opts) {
  const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
  const tail = (s) => s.trimEnd().split('\n').slice(-30).join('\n');
  return [
    `command failed (${why}): ${show(argv)}`,
    opts.cwd ? `  in ${opts.cwd}` : '',
    r.stdout.trim() ? `--- stdout ---\n${tail(r.stdout)}` : '',
    r.stderr.trim() ? `--- stderr ---\n${tail(r.stderr)}` : '',
  ].filter(Boolean).join('\n');
}

/** A positive integer from the environment (a bench setting), or the default. */
export function intEnv(name, def) {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new BenchError(`${name} must be a positive integer, not ${JSON.stringify(v)}`);
  return n;
}
