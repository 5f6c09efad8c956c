#!/usr/bin/env node
import { existsSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { agentDir } from '../agent/location.js';
import { answerKey, cacheableArgs, readAnswer, writeAnswer } from '../app/shim/answer-cache.js';
import { userSocketDir } from '../daemon/paths.js';
import { endQuietlyOnBrokenPipe } from './broken-pipe.js';

/**
 * What a `go` or `gofmt` shim (app/shim/script.ts) execs: `shim-bin.js TOOL ARGS...` is
 * `gobox run -- TOOL ARGS...` by the quickest way there is. `go version` and read-only `go env`
 * are answered from an earlier sandboxed answer when nothing it depends on changed
 * (app/shim/answer-cache.ts); everything else goes to the user's warm agent, and without one,
 * in-process (which starts an agent for the next call). Only node built-ins and a few small
 * modules load before the answer.
 * GOBOX_SHIM_TIMINGS=1 prints where the time went, as `gobox -v` does; GOBOX_SHIM_ANSWERS=off
 * turns the kept answers off.
 */
const env = process.env;
const timings = env.GOBOX_SHIM_TIMINGS === '1';
function step(name: string, since: number): void {
  if (!timings) return;
  const now = performance.now();
  process.stderr.write(`gobox: shim: ${name} took ${(now - since).toFixed(1)}ms (done at +${now.toFixed(0)}ms)\n`);
}

/** Keeps a copy of what it passes on to stdout. */
class Tee extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(chunk);
    process.stdout.write(chunk, () => cb());
  }
}

async function shim(tool: string | undefined, args: string[]): Promise<number> {
  if (!tool) {
    process.stderr.write('gobox: the shim entry needs a tool name (go or gofmt)\n');
    return 125;
  }
  const argv = ['run', '--', tool, ...args];
  const uid = process.getuid?.() ?? 0;
  let keep: { dir: string; key: string } | undefined;
  if (cacheableArgs(tool, args) && !/^(off|0|false|no)$/i.test(env.GOBOX_SHIM_ANSWERS ?? '')) {
    const t = performance.now();
    const dir = agentDir(env, uid, true);
    if (dir) {
      const self = fileURLToPath(import.meta.url);
      const st = statSync(self);
      // A shared-host daemon that starts serving this user decides the sandbox from then on: a new key.
      const daemon = existsSync(userSocketDir(uid, env)) ? 'daemon' : 'direct';
      const key = answerKey({ tool, args, cwd: process.cwd(), env, uid, build: `${self}:${st.mtimeMs}:${st.size}:${process.execPath}:${daemon}` });
      keep = { dir: `${dir}/answers`, key };
      const answer = readAnswer(keep.dir, key);
      step(`answer lookup (${answer === undefined ? 'none kept' : 'kept answer'})`, t);
      if (answer !== undefined) {
        process.stdout.write(answer);
        return 0;
      }
    }
  }
  let t = performance.now();
  const { runThroughAgent } = await import('./agent-run.js');
  step('loading the agent client', t);
  t = performance.now();
  const tee = keep ? new Tee() : undefined;
  tee?.on('error', () => {});
  let stderrBytes = 0;
  const stderr = keep ? new Writable({ write: (c: Buffer, _e, cb) => ((stderrBytes += c.length), process.stderr.write(c, () => cb())) }) : undefined;
  stderr?.on('error', () => {});
  const code = await runThroughAgent(argv, env, keep ? { tty: false, ...(tee ? { stdout: tee } : {}), ...(stderr ? { stderr } : {}) } : {});
  step('run through the agent', t);
  if (code !== undefined) {
    // Only a clean answer is kept: exit 0 and nothing on stderr.
    if (keep && tee && code === 0 && stderrBytes === 0) writeAnswer(keep.dir, keep.key, Buffer.concat(tee.chunks).toString('utf8'));
    return code;
  }
  t = performance.now();
  const { runDirect } = await import('./direct-run.js');
  step('loading the in-process run (no agent answered)', t);
  await runDirect({ command: [tool, ...args] });
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

endQuietlyOnBrokenPipe();
const [tool, ...rest] = process.argv.slice(2);
process.exitCode = await shim(tool, rest).catch(async (e: unknown) => {
  const { reportError } = await import('./report-error.js');
  return reportError(e);
});
// As in bin.ts: once the exit code is set and output flushed, a connection left open must not keep the shim alive.
setTimeout(() => process.exit(), 1000).unref();
