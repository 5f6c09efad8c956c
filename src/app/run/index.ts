/** One sandboxed run: what the CLI, the agent and the daemon call. */
export { readyEngine, readyEngineFor, readyUserOn, runCommand } from './run.js';
export { envReport, prepareRun, type EnvReport, type PreparedRun, type RunOptions } from './prepare.js';
export { executeSandbox } from './execute.js';
export { writeIdentityFiles } from './identity-files.js';
export { sweepLeftovers } from './gc.js';
