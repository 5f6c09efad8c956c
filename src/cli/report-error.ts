import { GoboxError, InternalError, errorMessage } from '../common/errors.js';
import { isVerbose } from '../common/logger.js';

/** The one place that turns an error into a message and an exit code (small: the fast paths load it too). */
export function reportError(e: unknown): number {
  const err = e instanceof GoboxError ? e : new InternalError(errorMessage(e), { cause: e });
  // One line: what went wrong, then how to fix it.
  process.stderr.write(`gobox: ${err.message}${err.hint ? `; ${err.hint}` : ''}\n`);
  if (err instanceof InternalError || isVerbose()) {
    const stack = err instanceof InternalError && err.cause instanceof Error ? err.cause.stack : err.stack;
    if (stack) process.stderr.write(stack + '\n');
  }
  return err.exitCode;
}
