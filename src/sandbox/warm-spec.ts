import { LABEL } from '../common/labels.js';
import type { SandboxSpec } from './types.js';

/** Where the launcher finds its command: one file, bind-mounted read-only, written at launch. */
export const LAUNCH_FILE = '/.gobox-launch';
/**
 * What a warm sandbox runs until a run claims it: wait for the line "go" on stdin, then run the
 * command file, which checks the command as a direct run does (127 in gobox's words) and execs
 * it, so the command is the init's only child, as in a sandbox started for it. A closed stdin
 * without "go" (the sandbox is being discarded) ends it quietly.
 */
export const LAUNCHER = `IFS= read -r go && [ "$go" = go ] && . ${LAUNCH_FILE}`;
/** A sandbox label: started ahead, for the run that claims it. */
export const WARM_LABEL = 'gobox.warm';
/** Shown for a sandbox started ahead that no run has taken yet. */
export const WAITING_COMMAND = '(warm: waiting for a run)';

/**
 * A sandbox started ahead (app/warm/pool.ts): the very spec buildSandboxSpec made for the next
 * run, with the launcher as its command, stdin open for the "go", the launch file mounted, and
 * an expiry pushed back by the time it may wait unclaimed. Nothing else differs from a sandbox
 * started for the run, so the security contract is the same.
 */
export function warmSandboxSpec(built: SandboxSpec, launchFile: string, maxWaitMs: number): SandboxSpec {
  const expires = Date.parse(built.labels[LABEL.expires] ?? '') + maxWaitMs;
  return {
    ...built,
    command: ['/bin/sh', '-c', LAUNCHER],
    stdin: true,
    mounts: [...built.mounts, { kind: 'bind', source: launchFile, target: LAUNCH_FILE, readonly: true }],
    labels: { ...built.labels, [WARM_LABEL]: 'true', [LABEL.command]: WAITING_COMMAND, ...(Number.isFinite(expires) ? { [LABEL.expires]: new Date(expires).toISOString() } : {}) },
  };
}
