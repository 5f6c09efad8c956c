#!/usr/bin/env node
import { runCli } from './main.js';

void runCli().then(() => {
  // The work is done and the exit code set. A connection the engine never closes (e.g. a wait on
  // a container that failed to start) must not keep gobox alive: exit once output has flushed.
  setTimeout(() => process.exit(), 1000).unref();
});
