import { Writable } from 'node:stream';
import { CommandExit, UsageError } from '../../common/errors.js';
import type { Progress } from '../../common/progress.js';
import { findProjectRoot } from '../../toolchain/gomod.js';
import { runCommand } from '../run/index.js';

export interface JailFetchOptions {
  cwd: string;
  profile?: string | undefined;
  go?: string | undefined;
  env: NodeJS.ProcessEnv;
  progress: Progress;
  stderr: NodeJS.WritableStream;
  /** Through the daemon: the fetch is its run (it fixes the command), with this output. */
  run?: (io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }) => Promise<{ exitCode: number; message?: string }>;
}

/** Go's report of a module whose bytes disagree with go.sum, as one line. */
export function goSumMismatch(text: string): string | undefined {
  const m = /verifying ([^\s:]+@[^\s:]+?)(?:\/go\.mod)?: checksum mismatch\s+downloaded: (h1:\S+)\s+go\.sum:\s+(h1:\S+)/.exec(text);
  if (m) return `go.sum does not match module ${m[1]}: downloaded ${m[2]}, go.sum says ${m[3]}`;
  const modified = /^([^\s:]+ v\S+): dir has been modified/m.exec(text);
  if (modified) return `module ${modified[1]!.replace(' ', '@')} in your module cache does not match go.sum (dir has been modified)`;
  return undefined;
}

/**
 * `gobox jail fetch`: with network, in an ordinary sandbox of the user, fill the module cache
 * for this module (go mod download) and check every module there against go.sum (go mod verify).
 * The jail build then needs no network at all.
 */
export async function jailFetch(o: JailFetchOptions): Promise<void> {
  const project = await findProjectRoot(o.cwd);
  if (!project.goMod && !project.goWork) {
    throw new UsageError(`no go.mod in ${o.cwd} or any directory above it; gobox jail fetch fills the module cache of a Go module`, { hint: 'run it in a module (go mod init)' });
  }
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (text.length < 1 << 20) text += chunk.toString();
      done();
    },
  });
  o.progress.start('Downloading modules (go mod download) and checking them against go.sum');
  const outcome = o.run ? await o.run({ stdout: sink, stderr: sink }) : await runCommand({
    command: ['sh', '-c', 'go mod download && go mod verify'],
    cwd: o.cwd,
    profile: o.profile,
    go: o.go,
    // -mod=readonly: a fetch never rewrites go.mod or go.sum; it checks against them.
    env: { ...o.env, GOFLAGS: '-mod=readonly' },
    tty: false,
    stdin: false,
    progress: o.progress,
    io: { stdout: sink, stderr: sink },
  });
  if (outcome.exitCode === 0) {
    o.progress.succeed('Modules downloaded and verified against go.sum');
    return;
  }
  o.progress.fail();
  const mismatch = goSumMismatch(text);
  if (mismatch) throw new CommandExit(1, mismatch);
  o.stderr.write(text);
  throw new CommandExit(outcome.exitCode, outcome.message ?? `gobox jail fetch failed (exit ${outcome.exitCode})`);
}
