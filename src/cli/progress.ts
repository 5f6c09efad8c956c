import type { Ora } from 'ora';
import type { Progress } from '../common/progress.js';
import { formatDuration, formatSize } from '../common/units.js';

/**
 * Progress on stderr: an ora spinner on a TTY, plain lines otherwise (CI logs, pipes),
 * where byte progress is reported every 10% so logs stay short.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  // A terminal that reports no width (a pty nobody sized, e.g. under `script`) gets plain lines:
  // ora divides by the width to know how many lines to clear, and 0 made it clear forever.
  const tty = Boolean(stream.isTTY) && !process.env.CI && (stream.columns ?? 0) > 0;
  const line = (text: string) => {
    if (!quiet) stream.write(`gobox: ${text}\n`);
  };
  let spinner: Ora | undefined;
  let label = '';
  let shown = '';
  let startedAt = 0;
  let lastDecile = -1;
  return {
    start(text) {
      label = text;
      shown = text;
      startedAt = Date.now();
      lastDecile = -1;
      if (quiet) return;
      if (!tty) return line(`${text} ...`);
      // ora is loaded only when a spinner is really shown (a TTY), keeping plain runs' start-up short.
      void import('ora').then(({ default: ora }) => {
        if (label !== text || spinner) return;
        spinner = ora({ text: shown, stream, color: process.env.NO_COLOR ? false : 'cyan' } as Parameters<typeof ora>[0]).start();
      });
    },
    update(text) {
      // Kept for the spinner still loading, so the first frame already shows it.
      shown = `${label}: ${text}`;
      if (spinner) spinner.text = shown;
    },
    bytes(done, total) {
      const secs = (Date.now() - startedAt) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = total && rate > 0 ? ` ETA ${formatDuration(Math.round(((total - done) / rate) * 1000))}` : '';
      const text = `${formatSize(done)}${total ? ` / ${formatSize(total)} (${Math.floor((done / total) * 100)}%)` : ''} at ${formatSize(Math.round(rate))}/s${eta}`;
      if (spinner) spinner.text = `${label}: ${text}`;
      else if (total) {
        const decile = Math.floor((done / total) * 10);
        if (decile > lastDecile) {
          lastDecile = decile;
          line(`${label}: ${text}`);
        }
      }
    },
    succeed(text) {
      if (spinner) spinner.succeed(text ?? label);
      else line(text ?? `${label}: done`);
      spinner = undefined;
    },
    fail(text) {
      if (spinner) spinner.fail(text ?? label);
      else line(text ?? `${label}: failed`);
      spinner = undefined;
    },
    notice(text) {
      if (spinner) spinner.clear();
      line(text);
      spinner?.render();
    },
  };
}
