/** Sandboxes started ahead of their command, for the agent; the daemon's admin tells them apart. */
export { WAITING_COMMAND, WARM_LABEL, WarmPool, warmSandboxCommand } from './pool.js';
