import type { Argv, CommandModule } from 'yargs';

/** Options every command understands. */
export interface GlobalArgs {
  verbose: boolean;
  profile: string | undefined;
  go: string | undefined;
  json: boolean;
  'log-format': 'text' | 'json';
}

export function globalOptions<T>(y: Argv<T>) {
  return y
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'Debug logs and step timings on stderr' })
    .option('profile', { alias: 'p', type: 'string', describe: 'Sandbox profile (default, classroom, jail, ...)' })
    .option('go', { type: 'string', describe: 'Go version for this run (e.g. 1.22.5, 1.22)' })
    .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output on stdout' })
    .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Format of logs on stderr' });
}

/**
 * yargs' generic types do not follow nested builders well; commands declare the argument
 * shape they read instead, and this is the one place that bridges the two.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyArgv = Argv<any>;
export function defineCommand<A>(m: {
  command: string;
  describe: string;
  builder?: (y: AnyArgv) => AnyArgv;
  handler: (args: A) => Promise<void> | void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
}): CommandModule<any, any> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return m as CommandModule<any, any>;
}

/**
 * The socket of the daemon that serves this user, when there is one (shared-host mode: the user
 * has a socket dir under the run dir, src/daemon/route.ts); then runs, env, doctor and the
 * user's cache commands go through it. Loaded on demand, as the commands load everything else.
 */
export async function servingDaemon(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const { daemonSocket } = await import('../daemon/route.js');
  return daemonSocket(env);
}
