/**
 * Output a command writes before its attach stream is wired up to the runtime is lost, and
 * Kubernetes attaches only to a running container. So the gate (sync-sidecar.ts) answers
 * "sync N" lines on its stdin with "gobox-sync N" on its stdout until it reads "go": once gobox
 * sees an answer, stdout is attached, and only then does the command start. Answers to syncs
 * sent before the one seen may be lost; those sent after it are sure to come, in order, and are
 * taken out of the command's output here.
 */
export class AttachHandshake {
  private sent = 0;
  private buffer = '';
  private state: 'syncing' | 'answered' | 'dropping' | 'open' = 'syncing';
  private drop: string[] = [];
  private answered = 0;
  private onSeen: (() => void) | undefined;
  /** Resolves once stdout is known to be attached. */
  readonly seen: Promise<void>;

  /** On a TTY the gate's answers end in \r\n (the terminal's output translation). */
  constructor(private readonly pass: (chunk: Buffer) => void, private readonly eol = '\n') {
    this.seen = new Promise((resolve) => (this.onSeen = resolve));
  }

  /** The next line to send on stdin while syncing. */
  nextSync(): string {
    return `sync ${++this.sent}\n`;
  }

  /** The line that opens the gate; the answers still on their way are dropped from the output. */
  go(): string {
    for (let n = this.answered + 1; n <= this.sent; n++) this.drop.push(`gobox-sync ${n}${this.eol}`);
    this.state = 'dropping';
    this.flushDrops();
    return 'go\n';
  }

  /** Every chunk of the attached stdout goes through here. */
  write(chunk: Buffer): void {
    if (this.state === 'open') return this.pass(chunk);
    this.buffer += chunk.toString('latin1');
    if (this.state === 'syncing') {
      const m = /gobox-sync (\d+)\r?\n/.exec(this.buffer);
      if (!m) return;
      this.answered = Number(m[1]);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      this.state = 'answered';
      this.onSeen?.();
    } else if (this.state === 'dropping') this.flushDrops();
  }

  private flushDrops(): void {
    while (this.drop.length && this.buffer.length >= this.drop[0]!.length) {
      if (this.buffer.startsWith(this.drop[0]!)) this.buffer = this.buffer.slice(this.drop.shift()!.length);
      else this.drop = []; // not an answer after all: never swallow the command's output
    }
    if (this.drop.length && this.drop[0]!.startsWith(this.buffer)) return;
    this.drop = [];
    this.state = 'open';
    if (this.buffer) this.pass(Buffer.from(this.buffer, 'latin1'));
    this.buffer = '';
  }
}
