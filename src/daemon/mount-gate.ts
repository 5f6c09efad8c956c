import type { SandboxSpec } from '../sandbox/types.js';
import type { ProbedProject } from './path-safety.js';

/** Exit status of a sandbox whose mount check failed; the user's command never ran. */
export const GATE_REFUSED = 125;

/**
 * Runs first in every daemon sandbox, before the user's command, as the user. The engine
 * resolved the bind source itself, as root, when it started the container: if the project path
 * was swapped for a symlink (or another directory) after the check, what is mounted differs.
 * So the mount is compared here, after the container started, with the directory the user
 * opened during the check (st_dev and st_ino are the host's for a bind mount). On a mismatch the
 * command never runs. Nothing of the user's runs before this: the container's only process is
 * this script, from the daemon's read-only image. The working directory is / until the check
 * passed, so the engine never creates a missing workdir inside an unchecked mount.
 */
export const GATE_SCRIPT = [
  'root=$1; want="$2 $3"; cwd=$4; shift 4',
  'got=$(stat -c "%d %i" -- "$root" 2>/dev/null) || got=missing',
  'if [ "$got" != "$want" ]; then',
  '  echo "gobox: refused: the directory mounted at $root is not the one that was checked (it was replaced during the start); nothing was run" >&2',
  `  exit ${GATE_REFUSED}`,
  'fi',
  'cd -- "$cwd" || exit 125',
  // Same wording as a direct run's missing command (app/run/output-cap.ts).
  'command -v "$1" >/dev/null 2>&1 || { echo "gobox: $1: command not found in the sandbox" >&2; exit 127; }',
  'exec "$@"',
].join('\n');

/** The spec with the mount check in front of the command; everything else stays as the contract built it. */
export function gateSpec(spec: SandboxSpec, project: ProbedProject): SandboxSpec {
  return {
    ...spec,
    workdir: '/',
    command: ['/bin/sh', '-c', GATE_SCRIPT, 'gobox-gate', project.root, String(project.dev), String(project.ino), project.cwd, ...spec.command],
  };
}
