import { Writable } from 'node:stream';

/**
 * Counts bytes on their way to the caller; past the cap it stops forwarding and calls onExceeded
 * once, so a flood cannot fill the caller's disk or terminal.
 */
export class OutputCap {
  private used = 0;
  private tripped = false;
  constructor(private readonly limit: number, private readonly onExceeded: () => void) {}

  get exceeded(): boolean {
    return this.tripped;
  }

  /** A writable that forwards to target while under the shared cap. */
  wrap(target: NodeJS.WritableStream, rewrite?: (chunk: Buffer) => Buffer): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (this.tripped) return done();
        const data = rewrite ? rewrite(chunk) : chunk;
        const room = this.limit - this.used;
        if (this.limit > 0 && data.length > room) {
          if (room > 0) target.write(data.subarray(0, room));
          this.used = this.limit;
          this.tripped = true;
          this.onExceeded();
          return done();
        }
        this.used += data.length;
        if (target.write(data)) done();
        else target.once('drain', () => done());
      },
    });
  }
}

/**
 * How the init processes report a command they cannot exec: Docker's tini names the command and
 * exits 127/126; Podman's catatonit does not name it and exits 1.
 */
const INIT_EXEC_FAILURES = [
  { prefix: '[FATAL tini (', re: /^\[FATAL tini \(\d+\)\] exec (.+?) failed: (.+)\n?/, command: 1, reason: 2 },
  { prefix: 'ERROR (catatonit:', re: /^ERROR \(catatonit:\d+\): failed to exec pid1: (.+)\n?/, command: 0, reason: 1 },
  // A Kubernetes pod's gate (engine/kubernetes/sync-sidecar.ts) execs the command with sh's exec.
  { prefix: 'gobox-gate: ', re: /^gobox-gate: \d+: exec: (.+?): (.+)\n?/, command: 1, reason: 2 },
] as const;

export type ExecFailure = 'not-found' | 'not-executable';

/**
 * The init process reports a command it cannot exec in its own words; say it in gobox's, once,
 * as the first line of stderr (the only place that message can be), and tell the caller which
 * failure it was so the exit status can be a shell's (127 or 126).
 */
export function execFailureRewriter(command = '', onFailure: (kind: ExecFailure) => void = () => {}): (chunk: Buffer) => Buffer {
  let decided = false;
  let held = '';
  return (chunk) => {
    if (decided) return chunk;
    const fresh = held === '';
    held += chunk.toString('utf8');
    // The engine may split the init's line across frames: hold only while it can still be that
    // line, so ordinary stderr (a prompt without a newline, say) is never delayed.
    const couldBeInit = INIT_EXEC_FAILURES.some((f) => held.startsWith(f.prefix) || f.prefix.startsWith(held));
    if (couldBeInit && !held.includes('\n') && held.length < 4096) return Buffer.alloc(0);
    decided = true;
    const text = held;
    held = '';
    for (const f of INIT_EXEC_FAILURES) {
      const m = f.re.exec(text);
      if (!m) continue;
      const reason = m[f.reason]!;
      const name = f.command ? m[f.command]! : command;
      const notFound = /No such file|not found/.test(reason);
      onFailure(notFound ? 'not-found' : 'not-executable');
      const what = notFound ? 'command not found in the sandbox' : `cannot execute in the sandbox: ${reason}`;
      return Buffer.from(`gobox: ${name}: ${what}\n${text.slice(m[0].length)}`);
    }
    return fresh ? chunk : Buffer.from(text);
  };
}
