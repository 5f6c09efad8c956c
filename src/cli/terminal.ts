import type { RunControl } from '../common/run-io.js';
import { EXIT } from '../common/errors.js';
import { onBrokenPipe } from './broken-pipe.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/**
 * Wires the caller's terminal to a running sandbox: signals are forwarded (so Ctrl-C reaches
 * the command), raw mode and window size follow the TTY. Before the sandbox starts, a signal
 * simply ends gobox; a sandbox created meanwhile is swept by the next run.
 */
export class TerminalBridge {
  private control: RunControl | undefined;
  /** A stop asked for before the sandbox had started (its output can come first). */
  private pending: 'SIGTERM' | undefined;
  private readonly handlers = new Map<string, () => void>();
  private rawMode = false;

  constructor(readonly tty: boolean) {
    for (const sig of FORWARDED) {
      const h = () => {
        if (this.control) this.control.signal(sig);
        else {
          this.restore();
          process.exit(sig === 'SIGINT' ? EXIT.interrupted : 128 + (sig === 'SIGTERM' ? 15 : sig === 'SIGHUP' ? 1 : 3));
        }
      };
      this.handlers.set(sig, h);
      process.on(sig, h);
    }
    onBrokenPipe(() => {
      if (this.control) this.control.signal('SIGTERM');
      else this.pending = 'SIGTERM';
    });
  }

  /** Called when the sandbox has started. */
  attach(control: RunControl): void {
    this.control = control;
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
