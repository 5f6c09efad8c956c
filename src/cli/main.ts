import { readFileSync } from 'node:fs';
import path from 'node:path';
import yargs, { hideBin } from './yargs.js';
import { packageRoot } from '../common/paths.js';
import { EXIT, GoboxError } from '../common/errors.js';
import { reportError } from './report-error.js';
import { configureLogging } from '../common/logger.js';
import { commands } from './commands/index.js';
import { separateRunCommand } from './argv.js';
import { globalOptions } from './options.js';

export { reportError } from './report-error.js';

// Logs and progress go to stderr, results to stdout: the logger's one sink, set here.
configureLogging({ sink: (line) => process.stderr.write(line + '\n') });

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
    // Named, not found by yargs: it looks for package.json from above a node_modules in its own path, which the bundle has not.
    .version(packageVersion())
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      throw new GoboxError(msg, { hint: 'see: gobox --help', exitCode: EXIT.gobox });
    });
  for (const c of commands) cli = cli.command(c);
  await cli.parseAsync();
}

function packageVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8'));
    return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The process entry: parse process.argv, run, and set (not force) the exit code. */
export function runCli(): Promise<void> {
  return main(separateRunCommand(hideBin(process.argv))).catch((e: unknown) => {
    // Set, don't exit: stdout and stderr get to flush first.
    process.exitCode = reportError(e);
  });
}
