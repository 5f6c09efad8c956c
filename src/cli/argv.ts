/** gobox options that take a value, so the scanner below can step over it. */
const VALUE_OPTIONS = new Set(['--profile', '-p', '--go', '--log-format']);

/**
 * `gobox run go test -v ./...`: everything from the command's name on belongs to the command.
 * yargs cannot stop parsing inside a subcommand, so a `--` is put in front of the command here.
 */
export function separateRunCommand(argv: string[]): string[] {
  let seenRun = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    if (!seenRun) {
      if (a !== 'run') return argv;
      seenRun = true;
      continue;
    }
    return [...argv.slice(0, i), '--', ...argv.slice(i)];
  }
  return argv;
}
