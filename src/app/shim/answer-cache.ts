import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot, stateDir, systemConfigDir, systemStateDir, userConfigDir } from '../../common/paths.js';

/**
 * Answers to `go version` and `go env [-json] [VAR...]` kept from an earlier sandboxed run, so an
 * editor's gopls, which asks them constantly, does not start a sandbox each time. An answer is
 * only ever the stdout of a successful run through the agent, and it is keyed by everything that
 * could change it: the build of gobox, the user, the cwd, every go.mod/go.work/.go-version from
 * the cwd up (inode, size, mtime, ctime), the whole environment (bar what changes every prompt),
 * the host's and the user's config and profiles, and the toolchain stores. Any change is a new
 * key, i.e. a run in a fresh sandbox. Commands that can read or write the project beyond finding
 * its go.mod (go list, go build, go version -m FILE, go env -w) are never answered from here.
 *
 * This module is on the shim's fast path: node built-ins and common/paths only.
 */
const PROJECT_FILES = ['go.mod', 'go.work', '.go-version'];
/** Variables a shell changes on its own between two commands; they cannot change Go's answer. */
const VOLATILE = new Set(['_', 'OLDPWD', 'PWD', 'SHLVL', 'COLUMNS', 'LINES', 'GOBOX_SHIM_ACTIVE', 'GOBOX_SHIM_TIMINGS', 'GOBOX_SHIM_ANSWERS']);
/** Kept at most this long even when nothing it is keyed by changed (an image rebuilt in place). */
export const ANSWER_TTL_MS = 60 * 60 * 1000;

/** go version, and go env that only reads (no -w, -u, or other flags). */
export function cacheableArgs(tool: string, args: string[]): boolean {
  if (tool !== 'go') return false;
  if (args.length === 1 && args[0] === 'version') return true;
  return args[0] === 'env' && args.slice(1).every((a) => a === '-json' || /^[A-Z][A-Z0-9_]*$/.test(a));
}

function fileId(file: string): string {
  try {
    const st = statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch {
    return '-';
  }
}

/** A directory's entries with their identities: added, removed or edited files all show. */
function dirId(dir: string): string {
  try {
    return readdirSync(dir).sort().map((n) => `${n}=${fileId(path.join(dir, n))}`).join(',');
  } catch {
    return '-';
  }
}

export interface AnswerKeyInput {
  tool: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  uid: number;
  /** What tells this build of gobox from the next (its entry file's identity). */
  build: string;
}

export function answerKey(i: AnswerKeyInput): string {
  const h = createHash('sha256');
  const put = (s: string) => h.update(s).update('\0');
  put('v1');
  put(i.build);
  put(String(i.uid));
  put(JSON.stringify([i.tool, ...i.args]));
  put(i.cwd);
  for (let d = i.cwd; ; d = path.dirname(d)) {
    for (const f of PROJECT_FILES) put(fileId(path.join(d, f)));
    if (d === path.dirname(d)) break;
  }
  if (i.env.GOWORK?.startsWith('/')) put(fileId(i.env.GOWORK));
  for (const k of Object.keys(i.env).filter((k) => !VOLATILE.has(k)).sort()) put(`${k}=${i.env[k] ?? ''}`);
  const sysConf = systemConfigDir(i.env);
  const userConf = userConfigDir(i.env);
  put(fileId(path.join(sysConf, 'config.yaml')));
  for (const d of [path.join(sysConf, 'profiles'), path.join(userConf, 'profiles'), path.join(packageRoot(), 'profiles')]) put(dirId(d));
  for (const d of [path.join(stateDir(i.env, i.uid), 'toolchains'), path.join(systemStateDir(i.env), 'toolchains')]) put(dirId(d));
  return h.digest('hex');
}

/** The stored stdout for a key, when there is one young enough. */
export function readAnswer(dir: string, key: string, now = Date.now()): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(dir, `${key}.json`), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const at = 'at' in parsed ? parsed.at : undefined;
    const stdout = 'stdout' in parsed ? parsed.stdout : undefined;
    if (typeof at !== 'number' || typeof stdout !== 'string' || now - at > ANSWER_TTL_MS || now < at) return undefined;
    return stdout;
  } catch {
    return undefined;
  }
}

/** Best effort: a full disk costs the next call its speed, never this call its answer. */
export function writeAnswer(dir: string, key: string, stdout: string, now = Date.now()): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // there already
  }
  try {
    const tmp = path.join(dir, `.${key}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify({ at: now, stdout }), { mode: 0o600 });
    renameSync(tmp, path.join(dir, `${key}.json`));
  } catch {
    // no answer kept this time
  }
}
