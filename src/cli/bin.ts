#!/usr/bin/env node
import { runThroughAgent } from './agent-run.js';
import { endQuietlyOnBrokenPipe } from './broken-pipe.js';

endQuietlyOnBrokenPipe();

// A plain `gobox run CMD` goes to the user's warm agent when one is up: that path loads only a
// few small modules. Everything else, and a run with no agent yet, loads the full CLI.
const argv = process.argv.slice(2);
const viaAgent = await runThroughAgent(argv).catch(async (e: unknown) => {
  const { reportError } = await import('./main.js');
  return reportError(e);
});
if (viaAgent !== undefined) {
  process.exitCode = viaAgent;
} else {
  const { runCli } = await import('./main.js');
  await runCli();
}
// The work is done and the exit code set. A connection the engine never closes (e.g. a wait on
// a container that failed to start) must not keep gobox alive: exit once output has flushed.
setTimeout(() => process.exit(), 1000).unref();
