/** 128 + SIGPIPE: what a shell reports for a command whose reader went away. */
const EXIT_BROKEN_PIPE = 141;

/**
 * `gobox env | head`, `gobox run seq 1 100000 | head -2`: the reader leaves early. A local
 * command would end by SIGPIPE, quietly; so does gobox, instead of a stack trace. A running
 * sandbox is sent SIGTERM (terminal.ts; once it has started, if it is still starting), so it is
 * still removed (and the status is then the command's, 143); with nothing running, gobox ends.
 */
let stopRun: (() => void) | undefined;

/** While a sandbox runs (or is starting), a broken pipe stops it this way (terminal.ts). */
export function onBrokenPipe(stop: (() => void) | undefined): void {
  stopRun = stop;
}

export function endQuietlyOnBrokenPipe(): void {
  let ending = false;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    if (ending) return;
    ending = true;
    process.exitCode = EXIT_BROKEN_PIPE;
    if (stopRun) stopRun();
    else process.exit(EXIT_BROKEN_PIPE);
  };
  process.stdout.on('error', onError);
  process.stderr.on('error', onError);
}
