/**
 * The shim scripts and the profile.d snippet gobox writes, as text: pure functions, so what lands
 * on a user's PATH is readable and unit-testable here. Each carries SHIM_MARK on its own line:
 * that line, and nothing else, is how gobox tells a file it wrote from one it did not.
 */
export const SHIM_MARK = '# gobox-shim v1';
/** The tools that get a shim. */
export const SHIM_TOOLS = ['go', 'gofmt'] as const;
export type ShimTool = (typeof SHIM_TOOLS)[number];
/** Set by a shim for the gobox it starts; a shim that finds it set was reached from inside gobox. */
export const GUARD_VAR = 'GOBOX_SHIM_ACTIVE';

/** Single-quoted for sh: nothing in it is expanded. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** True when the text is a file gobox wrote (a shim or the profile.d snippet). */
export function isGoboxFile(text: string): boolean {
  return text.split('\n', 4).includes(SHIM_MARK);
}

export interface ShimTarget {
  tool: ShimTool;
  /** The directory the shim lives in: skipped when GOBOX_SHIM=off looks for the host's own tool. */
  dir: string;
  /** Absolute path of node, and of gobox's shim entry (dist/cli/shim-bin.js). */
  node: string;
  entry: string;
  /**
   * The shim's own client (client/main.go), when one was built: every call but `go version` and
   * `go env` (whose kept answers the Node entry has) goes through it, and it hands a call it cannot
   * serve to the Node entry itself. A client that is not there any more is skipped.
   */
  client?: string | undefined;
}

/** Where install puts the shim's client: beside the shims, a dot file, so PATH never finds it as a command. */
export const CLIENT_NAME = '.gobox-shim-client';

/**
 * A shim: `go ARGS` becomes gobox's shim entry with the caller's cwd, stdin, TTY and signals
 * (exec: the shim's process is the one the terminal and the caller see). GOBOX_SHIM=off runs the
 * next `tool` on PATH that is not a gobox shim and not in the shim's directory. Reached again with
 * the guard variable set (gobox, or something it started, ran `go` from PATH), it refuses rather
 * than loop.
 */
export function shimScript(t: ShimTarget): string {
  for (const p of [t.dir, t.node, t.entry, ...(t.client ? [t.client] : [])]) if (!p.startsWith('/')) throw new Error(`shim paths must be absolute: ${p}`);
  const viaClient = t.client
    ? [
        `client=${shQuote(t.client)}`,
        ...(t.tool === 'go' ? ['case ${1:-} in version|env) client= ;; esac'] : []),
        `if [ -n "$client" ] && [ -x "$client" ]; then exec "$client" ${shQuote(t.node)} ${shQuote(t.entry)} ${t.tool} "$@"; fi`,
      ]
    : [];
  return [
    '#!/bin/sh',
    SHIM_MARK,
    `# ${t.tool} through gobox: written by \`gobox shim install\`, removed by \`gobox shim remove\`; do not edit.`,
    `# Runs \`${t.tool} ARGS\` in a fresh gobox sandbox. GOBOX_SHIM=off: the host's own ${t.tool}, found later on PATH.`,
    `shim_dir=${shQuote(t.dir)}`,
    'case ${GOBOX_SHIM:-on} in',
    'off|0|false|no)',
    '  set -f; IFS=:',
    '  for d in $PATH; do',
    '    case $d in /*) ;; *) continue ;; esac',
    '    [ "${d%/}" = "$shim_dir" ] && continue',
    `    f=$d/${t.tool}`,
    `    if [ -f "$f" ] && [ -x "$f" ] && ! grep -qx ${shQuote(SHIM_MARK)} "$f" 2>/dev/null; then unset IFS; exec "$f" "$@"; fi`,
    '  done',
    `  echo "gobox: GOBOX_SHIM=off, and there is no ${t.tool} on PATH besides gobox's shim" >&2`,
    '  exit 127 ;;',
    'esac',
    `if [ -n "\${${GUARD_VAR}:-}" ]; then`,
    `  echo "gobox: the ${t.tool} shim in $shim_dir was reached from inside gobox (via \$${GUARD_VAR}); not starting gobox again" >&2`,
    '  exit 125',
    'fi',
    `${GUARD_VAR}=$shim_dir/${t.tool}; export ${GUARD_VAR}`,
    ...viaClient,
    `exec ${shQuote(t.node)} ${shQuote(t.entry)} ${t.tool} "$@"`,
    '',
  ].join('\n');
}

/** /etc/profile.d/gobox.sh: the system shim directory first on PATH, for every login shell. */
export function profileSnippet(dir: string): string {
  return [
    SHIM_MARK,
    '# Written by `gobox shim install --system`, removed by `gobox shim remove --system`; do not edit.',
    `case ":$PATH:" in *:${shQuote(dir)}:*) ;; *) PATH=${shQuote(dir)}:$PATH; export PATH ;; esac`,
    '',
  ].join('\n');
}

/** The one line a user adds to their shell's start-up files when the shim directory is not on PATH. */
export function pathLine(dir: string): string {
  return `export PATH=${shQuote(dir)}:"$PATH"`;
}
