import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT, GoboxError, InternalError, errorMessage } from '../common/errors.js';
import { configureLogging, isVerbose } from '../common/logger.js';
import { commands } from './commands/index.js';
import { separateRunCommand } from './argv.js';
import { globalOptions } from './options.js';

/** The one place that turns an error into a message and an exit code. */
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

export async function main(argv: string[]): Promise<void> {
  let cli = globalOptions(yargs(argv))
    .scriptName('gobox')
    .usage('$0 <command> [options]\n\nRun Go commands in per-user sandbox containers.')
    .middleware((args) => {
      configureLogging({ level: args.verbose ? 'debug' : 'info', format: args['log-format'] });
    })
    .strictCommands()
    .demandCommand(1, 'name a command, e.g. gobox run go build ./...')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      throw new GoboxError(msg, { hint: 'see: gobox --help', exitCode: EXIT.gobox });
    });
  for (const c of commands) cli = cli.command(c);
  await cli.parseAsync();
}

/** The process entry: parse process.argv, run, and set (not force) the exit code. */
export function runCli(): Promise<void> {
  return main(separateRunCommand(hideBin(process.argv))).catch((e: unknown) => {
    // Set, don't exit: stdout and stderr get to flush first.
    process.exitCode = reportError(e);
  });
}
