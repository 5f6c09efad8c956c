import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GoboxError, UsageError } from '../../common/errors.js';
import { findOnPath, isGoboxWritten, pathDirs } from './path-lookup.js';
import { readRecord, removeRecord, shimPlaces, writeRecord, type ShimRecord } from './record.js';
import { CLIENT_NAME, pathLine, profileSnippet, shimScript, SHIM_TOOLS } from './script.js';

export interface InstallOptions {
  scope: 'user' | 'system';
  dir?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Absolute paths of node and of gobox's shim entry, which every shim execs. */
  node: string;
  entry: string;
  /** The shim's client, built (app/shim/client-build.ts): written beside the shims, which then use it. */
  client?: Buffer | undefined;
}

export interface InstallResult {
  record: ShimRecord;
  /** The shim directory is on the caller's PATH, ahead of any other go. */
  onPath: boolean;
  /** Per-user install off PATH: the line to add to the shell's start-up files. */
  pathLine?: string;
}

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

/** A binary gobox wrote carries no mark: it is gobox's while it is what the record says was written. */
function isRecordedBinary(file: string, record: ShimRecord | undefined): boolean {
  const entry = record?.files.find((f) => f.path === file);
  try {
    return entry !== undefined && !isSymlink(file) && sha256(readFileSync(file)) === entry.sha256;
  } catch {
    return false;
  }
}

function describeFile(file: string): string {
  try {
    const st = lstatSync(file);
    if (st.isSymbolicLink()) return 'a symlink';
    if (st.isDirectory()) return 'a directory';
    return `a ${st.size}-byte ${st.mode & 0o111 ? 'executable' : 'file'}`;
  } catch {
    return 'a file';
  }
}

/** The directories that `mkdir -p dir` would create, outermost first; throws when the first existing ancestor cannot be written. */
function missingDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = path.dirname(d)) missing.unshift(d);
  return missing;
}

function dirsToCreate(dir: string): string[] {
  const missing = missingDirs(dir);
  const d = missing.length ? path.dirname(missing[0]!) : dir;
  const st = statSync(d);
  if (!st.isDirectory()) throw new UsageError(`cannot install shims in ${dir}: ${d} is not a directory`);
  try {
    accessSync(d, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`no writable bin directory: ${d} is not writable by you, so the shims cannot go in ${dir}`, {
      hint: 'name a directory of yours with --dir DIR (and put it first on PATH), or install for every user as root: gobox shim install --system',
    });
  }
  return missing;
}

/** Another `go` would be found before the shim directory: the shims would never be reached. */
function checkPathOrder(dir: string, env: NodeJS.ProcessEnv): boolean {
  const dirs = pathDirs(env.PATH);
  const at = dirs.indexOf(dir);
  const first = findOnPath('go', env.PATH);
  if (first && first.dir !== dir && first.goboxShim) {
    throw new UsageError(`a gobox go shim is already first on PATH: ${first.path}; not installing a second one in ${dir}`, { hint: 'gobox shim status shows which one; gobox shim remove [--system] removes it' });
  }
  if (first && first.dir !== dir && at >= 0 && dirs.indexOf(first.dir) < at) {
    throw new UsageError(`another go is first on PATH: ${first.path} comes before ${dir}, so a shim there would never run; nothing was installed`, {
      hint: `move ${dir} ahead of ${first.dir} on PATH, or install elsewhere with --dir DIR`,
    });
  }
  return at >= 0 && (!first || first.dir === dir || dirs.indexOf(first.dir) > at);
}

/**
 * Everything install checks before it writes (and builds) anything: one line per refusal. The
 * CLI calls it before building the shim's client, so bad input costs no build.
 */
export function checkInstall(o: InstallOptions): void {
  plan(o);
}

function plan(o: InstallOptions) {
  const places = shimPlaces(o.scope, o.env);
  const dir = path.resolve(o.dir ?? places.defaultDir);
  for (const p of [o.node, o.entry]) if (!path.isAbsolute(p) || !existsSync(p)) throw new GoboxError(`cannot install shims: ${p} is missing`);
  if (path.dirname(o.node) === dir) throw new UsageError(`cannot install shims in ${dir}: node itself lives there`);
  const previous = readRecord(places.record);
  if (previous && previous.dir !== dir) {
    throw new UsageError(`gobox's shims are already installed in ${previous.dir} (record ${places.record})`, { hint: `remove them first: gobox shim remove${o.scope === 'system' ? ' --system' : ''}` });
  }
  const onPath = o.scope === 'user' ? checkPathOrder(dir, o.env) : true;
  const created = dirsToCreate(dir);
  // The record's own directories are install's too: remove takes them back when they are empty.
  const recordDirs = missingDirs(path.dirname(places.record)).filter((d) => !created.includes(d) && !d.startsWith(dir + '/'));
  const client = o.client ? path.join(dir, CLIENT_NAME) : undefined;
  const writes: { path: string; text: string | Buffer; mode: number }[] = SHIM_TOOLS.map((tool) => ({ path: path.join(dir, tool), text: shimScript({ tool, dir, node: o.node, entry: o.entry, client }), mode: 0o755 }));
  if (places.profileScript) writes.push({ path: places.profileScript, text: profileSnippet(dir), mode: 0o644 });
  if (client && o.client) writes.push({ path: client, text: o.client, mode: 0o755 });
  const ours = (file: string) => (file === client ? isRecordedBinary(file, previous) : !isSymlink(file) && isGoboxWritten(file));
  const foreign = writes.filter((w) => existsSync(w.path) || isSymlink(w.path)).filter((w) => !ours(w.path));
  if (foreign.length) {
    throw new UsageError(`${foreign.map((w) => `${w.path} already exists (${describeFile(w.path)}) and gobox did not write it`).join('; ')}; nothing was overwritten or installed`, {
      hint: 'move it away yourself if it should go, or install elsewhere with --dir DIR',
    });
  }
  return { places, dir, previous, onPath, created, recordDirs, client, writes };
}

/**
 * Writes the go and gofmt shims (and, system-wide, /etc/profile.d/gobox.sh; and the shim's
 * client when one was built), then the record of what was written. Everything is checked before
 * the first write: a file gobox did not write is never replaced, and a failure part-way takes
 * back what this call wrote.
 */
export function installShims(o: InstallOptions): InstallResult {
  const { places, dir, previous, onPath, created, recordDirs, client, writes } = plan(o);
  const done: { path: string; old?: Buffer }[] = [];
  const createdNow: string[] = [];
  try {
    for (const d of created) {
      mkdirSync(d, { mode: 0o755 });
      createdNow.push(d);
    }
    for (const w of writes) {
      if (places.profileScript === w.path) mkdirSync(path.dirname(w.path), { recursive: true });
      const old = existsSync(w.path) ? readFileSync(w.path) : undefined;
      writeAtomically(w.path, w.text, w.mode);
      done.push({ path: w.path, ...(old !== undefined ? { old } : {}) });
    }
    const record: ShimRecord = {
      v: 1, scope: o.scope, dir,
      files: writes.map((w) => ({ path: w.path, sha256: sha256(w.text) })),
      createdDirs: [...new Set([...(previous?.createdDirs ?? []), ...created, ...recordDirs])],
      node: o.node, entry: o.entry, installedAt: new Date().toISOString(),
    };
    writeRecord(places.record, record);
    // A client the last install wrote, not written this time (no toolchain to build it): not left behind.
    for (const f of previous?.files ?? []) if (path.basename(f.path) === CLIENT_NAME && !client && isRecordedBinary(f.path, previous)) rmSync(f.path, { force: true });
    return { record, onPath, ...(o.scope === 'user' && !onPath ? { pathLine: pathLine(dir) } : {}) };
  } catch (e) {
    for (const d of done.reverse()) {
      try {
        if (d.old !== undefined) writeAtomically(d.path, d.old, 0o755);
        else rmSync(d.path, { force: true });
      } catch {
        // best effort: the error below names the failure
      }
    }
    for (const d of [...recordDirs].reverse()) tryRmdir(d);
    for (const d of createdNow.reverse()) tryRmdir(d);
    if (e instanceof GoboxError) throw e;
    throw new GoboxError(`installing the shims failed, nothing was left installed: ${(e as Error).message}`);
  }
}

function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function writeAtomically(file: string, text: string | Buffer, mode: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.gobox-${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode });
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function tryRmdir(d: string): boolean {
  try {
    rmdirSync(d);
    return true;
  } catch {
    return false;
  }
}

export interface RemoveResult {
  /** No record: gobox installed nothing in this scope. */
  nothing: boolean;
  record?: string;
  removed: string[];
  /** Files the record names that were not removed, and why. */
  kept: { path: string; why: string }[];
}

/** Undoes what the record says install wrote: its files (while they are still gobox's) and the directories it created (when empty). */
export function removeShims(scope: 'user' | 'system', env: NodeJS.ProcessEnv): RemoveResult {
  const places = shimPlaces(scope, env);
  const record = readRecord(places.record);
  if (!record) return { nothing: true, record: places.record, removed: [], kept: [] };
  const removed: string[] = [];
  const kept: { path: string; why: string }[] = [];
  for (const f of record.files) {
    if (!existsSync(f.path) && !isSymlink(f.path)) continue;
    const mine = path.basename(f.path) === CLIENT_NAME ? isRecordedBinary(f.path, record) : !isSymlink(f.path) && isGoboxWritten(f.path);
    if (!mine) {
      kept.push({ path: f.path, why: 'it was replaced by a file gobox did not write' });
      continue;
    }
    unlinkSync(f.path);
    removed.push(f.path);
  }
  removeRecord(places.record);
  // Deepest first, so a directory emptied by the one below it goes too.
  for (const d of [...record.createdDirs].sort((a, b) => b.length - a.length)) if (tryRmdir(d)) removed.push(d + '/');
  return { nothing: false, record: places.record, removed, kept };
}
