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

const TINI_EXEC_FAILURE = /^\[FATAL tini \(\d+\)\] exec (.+?) failed: (.+)\n?/;

/**
 * The init process reports a command it cannot exec in its own words; say it in gobox's, once,
 * as the first line of stderr (the only place tini's message can be).
 */
export function execFailureRewriter(): (chunk: Buffer) => Buffer {
  const PREFIX = '[FATAL tini (';
  let decided = false;
  let held = '';
  return (chunk) => {
    if (decided) return chunk;
    const fresh = held === '';
    held += chunk.toString('utf8');
    // The engine may split tini's line across frames: hold only while it can still be that line,
    // so ordinary stderr (a prompt without a newline, say) is never delayed.
    const couldBeTini = held.startsWith(PREFIX) || PREFIX.startsWith(held);
    if (couldBeTini && !held.includes('\n') && held.length < 4096) return Buffer.alloc(0);
    decided = true;
    const text = held;
    held = '';
    const m = TINI_EXEC_FAILURE.exec(text);
    if (!m) return fresh ? chunk : Buffer.from(text);
    const what = /No such file/.test(m[2]!) ? 'command not found in the sandbox' : `cannot execute in the sandbox: ${m[2]}`;
    return Buffer.from(`gobox: ${m[1]}: ${what}\n${text.slice(m[0].length)}`);
  };
}
