import { CommandExit, EXIT } from '../../common/errors.js';

/**
 * Engines that check the command at start (Podman, or Docker without an init) refuse it with an
 * API error instead of an exit status: give it the exit code and words a local shell would.
 * Only errors about exec'ing the command qualify: a mount whose source vanished between create
 * and start also says "no such file or directory", and is the engine's error (125), not 127.
 */
export function startFailure(e: unknown, command: string): unknown {
  const text = e instanceof Error ? e.message : String(e);
  const aboutTheCommand = /exec|invoke a command/i.test(text) && !/mount/i.test(text);
  if (!aboutTheCommand) return e;
  if (/executable file .*not found|no such file or directory/i.test(text)) return new CommandExit(EXIT.notFound, `${command}: command not found in the sandbox`);
  if (/permission denied/i.test(text)) return new CommandExit(EXIT.notExecutable, `${command}: cannot execute in the sandbox: permission denied`);
  return e;
}
