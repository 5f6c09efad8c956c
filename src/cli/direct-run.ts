import type { AgentRunArgs } from '../agent/argv.js';
import { configureLogging } from '../common/logger.js';
import { runInSandbox } from './commands/run.js';

/**
 * A plain `gobox [-v] [-p P] [--go V] run CMD...` that no agent serves: the same run as through
 * yargs (commands/run.ts), without loading yargs first. agent/argv.ts recognises exactly these
 * arguments and leaves anything else to the full CLI, so the two can never read one differently.
 */
export async function runDirect(a: AgentRunArgs): Promise<void> {
  configureLogging({ sink: (line) => process.stderr.write(line + '\n'), level: a.verbose ? 'debug' : 'info', format: 'text' });
  await runInSandbox({ verbose: Boolean(a.verbose), profile: a.profile, go: a.go, json: false, 'log-format': 'text' }, a.command);
}
