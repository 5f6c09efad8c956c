import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../common/errors.js';
import { servingDaemon, type GlobalArgs } from '../options.js';
import { printNotice } from '../output.js';
import { createProgress } from '../progress.js';
import { haveTty, TerminalBridge } from '../terminal.js';

type RunArgs = GlobalArgs;

/** Runs a command in a fresh sandbox and exits with its status; shared by `run` and `shell`. */
export async function runInSandbox(args: GlobalArgs, command: string[], forceTty?: boolean): Promise<void> {
  const tty = forceTty ?? haveTty();
  const terminal = new TerminalBridge(tty);
  try {
    const viaDaemon = await servingDaemon();
    if (viaDaemon) {
      const { runViaDaemon } = await import('../daemon-client.js');
      const outcome = await runViaDaemon(viaDaemon, {
        command, cwd: process.cwd(), profile: args.profile, go: args.go, env: process.env, tty,
        io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
        onStart: (control) => terminal.attach(control),
        onNotice: (text) => printNotice(text),
      });
      terminal.restore();
      if (outcome.message) printNotice(outcome.message);
      for (const n of outcome.notices) printNotice(n);
      process.exitCode = outcome.exitCode;
      return;
    }
    const { runCommand } = await import('../../app/run/index.js');
    const outcome = await runCommand({
      command,
      cwd: process.cwd(),
      profile: args.profile,
      go: args.go,
      env: process.env,
      tty,
      stdin: true,
      progress: createProgress(),
      io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
      onCreate: (remove) => terminal.created(remove),
      onStart: (control) => terminal.attach(control),
    });
    terminal.restore();
    if (outcome.message) printNotice(outcome.message);
    for (const n of outcome.notices) printNotice(n);
    process.exitCode = outcome.exitCode;
  } finally {
    terminal.restore();
  }
}

export const runModule: CommandModule<GlobalArgs, RunArgs> = {
  command: 'run',
  describe: 'Run a command (e.g. go build ./...) in a fresh per-user sandbox',
  builder: (y: Argv<GlobalArgs>) => y.usage('$0 run [options] COMMAND [ARGS...]') as Argv<RunArgs>,
  handler: async (args: ArgumentsCamelCase<RunArgs>) => {
    // cli/argv.ts puts a `--` before the command, so yargs leaves it whole in `_` after "run".
    const command = args._.slice(1).map(String);
    if (command.length === 0 || !command[0]) throw new UsageError('no command given', { hint: 'example: gobox run go build ./...' });
    await runInSandbox(args, command);
  },
};
