/** A `gobox run` simple enough for the agent's fast path. */
export interface AgentRunArgs {
  command: string[];
  profile?: string;
  go?: string;
  /** -v / --verbose, only where the caller allows it (the direct run; the agent has its own log). */
  verbose?: boolean;
}

const VALUED: Record<string, 'profile' | 'go'> = { '--profile': 'profile', '-p': 'profile', '--go': 'go' };

/**
 * Recognises `gobox [--profile P | -p P | --go V]... run [--] COMMAND...` and nothing else.
 * Anything this does not fully understand (--verbose, --help, other commands, options after
 * `run`) returns undefined and goes to the full CLI, so the fast path can never read an
 * argument differently from yargs.
 */
export function parseAgentRun(argv: string[], o: { verbose?: boolean } = {}): AgentRunArgs | undefined {
  const out: { profile?: string; go?: string; verbose?: boolean } = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === 'run') break;
    if (o.verbose && (a === '-v' || a === '--verbose')) {
      if (out.verbose) return undefined;
      out.verbose = true;
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const key = VALUED[name];
    if (!key || out[key] !== undefined) return undefined;
    const value = eq > 0 && name.startsWith('--') ? a.slice(eq + 1) : eq > 0 ? undefined : argv[++i];
    if (!value || value.startsWith('-')) return undefined;
    out[key] = value;
  }
  let rest = argv.slice(i + 1);
  if (i >= argv.length) return undefined;
  if (rest[0] === '--') rest = rest.slice(1);
  else if (rest[0]?.startsWith('-')) return undefined;
  if (!rest.length || !rest[0]) return undefined;
  return { command: rest, ...out };
}
