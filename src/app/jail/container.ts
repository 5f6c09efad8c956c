import { Writable } from 'node:stream';
import { parseDuration, parseSize } from '../../common/units.js';
import type { Engine } from '../../engine/index.js';
import type { SandboxSpec } from '../../sandbox/types.js';
import { withActiveRun } from '../cache/volume.js';
import type { RunControl, RunOutcome } from '../../common/run-io.js';
import { executeSandbox, type PreparedRun } from '../run/index.js';

/** Collects a stream's text, up to a cap (a runaway build log is cut, its exit status is not). */
class Collector extends Writable {
  text = '';
  constructor(private readonly cap = 4 * 1024 * 1024) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    if (this.text.length < this.cap) this.text += chunk.toString();
    done();
  }
}

export interface JailOutcome extends RunOutcome {
  stdout: string;
  stderr: string;
}

/** Runs one jail container to its end through the run path (limits, output cap, removal). */
export async function runJailContainer(engine: Engine, p: PreparedRun, spec: SandboxSpec, onStart?: (control: RunControl) => void): Promise<JailOutcome> {
  const stdout = new Collector();
  const stderr = new Collector();
  const limits = p.loaded.profile.limits;
  const outcome = await withActiveRun(p.user, () =>
    executeSandbox(engine, spec, { stdout, stderr }, {
      timeoutMs: parseDuration(limits.timeout) ?? 0,
      outputLimit: parseSize(limits.output) ?? 0,
      memoryLimit: spec.limits.memoryBytes,
      ...(onStart ? { onStart } : {}),
    }),
  );
  return { ...outcome, stdout: stdout.text, stderr: stderr.text };
}

/** Go's words for a package no module in go.mod provides (go.mod is not tidy). */
export function unrequiredPackage(stderr: string): string | undefined {
  return /cannot find module providing package (\S+): import lookup disabled by -mod=readonly/.exec(stderr)?.[1];
}

/** Go's words for a module the offline cache lacks; the module is named from them. */
export function missingModule(stderr: string): string | undefined {
  const m = /([^\s:]+@v[^\s:]+): module lookup disabled by GOPROXY=off/.exec(stderr) ?? /missing go\.sum entry for module providing package [^\s]+ \(imported by [^)]+\)|missing go\.sum entry for ([^\s;:]+)/.exec(stderr);
  return m ? (m[1] ?? m[0]) : undefined;
}
