#!/usr/bin/env node
import { parseAgentRun } from '../agent/argv.js';
import { endQuietlyOnBrokenPipe } from './broken-pipe.js';

endQuietlyOnBrokenPipe();

// A plain `gobox run CMD` goes to the user's warm agent when one is up: that path loads only a
// few small modules. Without an agent it runs in-process, still without yargs; everything else
// loads the full CLI, and not the agent client (every module loaded is start-up time).
const argv = process.argv.slice(2);
const viaAgent = parseAgentRun(argv) === undefined ? undefined : await (await import('./agent-run.js')).runThroughAgent(argv).catch(async (e: unknown) => {
  const { reportError } = await import('./report-error.js');
  return reportError(e);
});
// A plain run with no agent to serve it (the first run, GOBOX_AGENT=off, -v) skips yargs too.
const simple = viaAgent === undefined ? parseAgentRun(argv, { verbose: true }) : undefined;
if (viaAgent !== undefined) {
  process.exitCode = viaAgent;
} else if (simple) {
  const { runDirect } = await import('./direct-run.js');
  await runDirect(simple).catch(async (e: unknown) => {
    const { reportError } = await import('./report-error.js');
    process.exitCode = reportError(e);
  });
} else {
  const { runCli } = await import('./main.js');
  await runCli();
}
// The work is done and the exit code set. A connection the engine never closes (e.g. a wait on
// a container that failed to start) must not keep gobox alive: exit once output has flushed.
setTimeout(() => process.exit(), 1000).unref();
