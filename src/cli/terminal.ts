import type { RunControl } from '../common/run-io.js';
import { EXIT } from '../common/errors.js';
import { onBrokenPipe } from './broken-pipe.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** How long a signal that came between a sandbox's create and its start waits for that start. */
const START_WAIT_MS = 5000;

/**
 * Wires the caller's terminal to a running sandbox: signals are forwarded (so Ctrl-C reaches
 * the command), raw mode and window size follow the TTY. A signal before any sandbox exists ends
 * gobox at once. One that comes once a sandbox was created, while its start is under way, is
 * held and passed on when the start is done, so the run ends as a Ctrl-C during it would: the
 * command stopped, the sandbox removed, the signal's status (left alone, the sandbox would start
 * and run its command with nobody waiting). A start that does not come within START_WAIT_MS, or
 * a second signal, ends gobox after removing the sandbox, or at once.
 */
export class TerminalBridge {
  private control: RunControl | undefined;
  /** A stop asked for before the sandbox had started (its output can come first). */
  private pending: 'SIGTERM' | undefined;
  private removeCreated: (() => Promise<void>) | undefined;
  private held: { sig: (typeof FORWARDED)[number]; timer: NodeJS.Timeout } | undefined;
  private readonly handlers = new Map<string, () => void>();
  private rawMode = false;

  constructor(readonly tty: boolean) {
    for (const sig of FORWARDED) {
      const h = () => {
        if (this.control) return this.control.signal(sig);
        const code = sig === 'SIGINT' ? EXIT.interrupted : 128 + (sig === 'SIGTERM' ? 15 : sig === 'SIGHUP' ? 1 : 3);
        const remove = this.removeCreated;
        if (!remove || this.held) {
          this.restore();
          process.exit(code);
        }
        const timer = setTimeout(() => void remove().finally(() => (this.restore(), process.exit(code))), START_WAIT_MS);
        this.held = { sig, timer };
      };
      this.handlers.set(sig, h);
      process.on(sig, h);
    }
    onBrokenPipe(() => {
      if (this.control) this.control.signal('SIGTERM');
      else this.pending = 'SIGTERM';
    });
  }

  /** Called when a sandbox was created for the run: what a held signal removes if no start comes. */
  created(remove: () => Promise<void>): void {
    this.removeCreated = remove;
  }

  /** Called when the sandbox has started. */
  attach(control: RunControl): void {
    this.control = control;
    this.removeCreated = undefined;
    if (this.held) {
      clearTimeout(this.held.timer);
      control.signal(this.held.sig);
    }
    if (this.pending) control.signal(this.pending);
    if (this.tty && process.stdin.isTTY) {
      process.stdin.setRawMode(true);
      this.rawMode = true;
      const resize = () => control.resize(process.stdout.rows ?? 24, process.stdout.columns ?? 80);
      process.stdout.on('resize', resize);
      this.handlers.set('resize', resize);
      resize();
    }
  }

  restore(): void {
    // A run that ended otherwise (its start failed) must not be ended later by a held signal's timer.
    if (this.held) clearTimeout(this.held.timer);
    onBrokenPipe(undefined);
    if (this.rawMode) process.stdin.setRawMode(false);
    this.rawMode = false;
    for (const [sig, h] of this.handlers) {
      if (sig === 'resize') process.stdout.off('resize', h);
      else process.off(sig, h);
    }
    this.handlers.clear();
    // Stop reading stdin so the event loop can end.
    process.stdin.pause();
    process.stdin.unref?.();
  }
}

/** gobox uses a TTY only when it has one on both ends, like `docker run -it`. */
export function haveTty(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}
