/**
 * The `gobox` command as installed (package.json bin: dist/cli/gobox), as text: a POSIX sh
 * launcher that `npm run build` writes (scripts/build-launcher.mjs). A plain `gobox run CMD...`
 * goes through the shim's own client (app/shim/client/main.go, built beside it when the build
 * found a Go toolchain), which reaches the user's warm agent without starting Node: Node's
 * start-up alone is about a fifth of a bare `docker run` on a small host. Everything else, and
 * every run the client cannot serve exactly as gobox's Node client would (no agent, a TTY,
 * options before the command, another agent's settings, a daemon), is `node bin.js ARGS` as
 * before, with the arguments untouched.
 */
export const LAUNCHER_NAME = 'gobox';
/** The client beside the launcher in dist/cli; absent when the build had no Go to build it. */
export const LAUNCHER_CLIENT = 'gobox-client';

export function launcherScript(): string {
  return [
    '#!/bin/sh',
    '# gobox: written by `npm run build` (src/cli/launcher.ts); runs gobox\'s Node CLI, dist/cli/bin.js.',
    '# A plain `gobox run CMD...` goes to the warm agent through gobox-client beside it when there',
    '# is one (no Node start-up); the client hands anything it cannot serve to bin.js itself.',
    'self=$(readlink -f -- "$0" 2>/dev/null) || self=$0',
    'dir=${self%/*}',
    'node=$(command -v node) || { echo "gobox: node is not on PATH" >&2; exit 125; }',
    `client=$dir/${LAUNCHER_CLIENT}`,
    'if [ "${1:-}" = run ] && [ -x "$client" ]; then',
    '  case ${2:-} in',
    '  --) if [ $# -ge 3 ] && [ -n "$3" ]; then shift 2; exec "$client" "$node" "$dir/bin.js" run -- "$@"; fi ;;',
    "  ''|-*) ;;",
    '  *) shift; exec "$client" "$node" "$dir/bin.js" run -- "$@" ;;',
    '  esac',
    'fi',
    'exec "$node" "$dir/bin.js" "$@"',
    '',
  ].join('\n');
}
