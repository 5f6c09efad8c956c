import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../common/errors.js';
import { parseGoVersion } from './version.js';

export interface ProjectRoot {
  /** Nearest dir at or above cwd with go.work or go.mod; cwd itself when there is none. */
  root: string;
  goWork?: string;
  goMod?: string;
}

export interface GoDirectives {
  /** The `go` line's version, e.g. "1.22" or "1.22.5". */
  go?: string;
  /** The `toolchain` line without its "go" prefix; absent for `toolchain default`. */
  toolchain?: string;
}

/**
 * Walks up from cwd to the nearest dir holding go.work or go.mod. Unlike cmd/go this does not
 * keep looking for a go.work above a go.mod: the nearest file is the project gobox runs.
 */
export async function findProjectRoot(cwd: string): Promise<ProjectRoot> {
  const start = path.resolve(cwd);
  for (let dir = start; ; dir = path.dirname(dir)) {
    const [goWork, goMod] = await Promise.all([isFile(path.join(dir, 'go.work')), isFile(path.join(dir, 'go.mod'))]);
    if (goWork || goMod) {
      return {
        root: dir,
        ...(goWork ? { goWork: path.join(dir, 'go.work') } : {}),
        ...(goMod ? { goMod: path.join(dir, 'go.mod') } : {}),
      };
    }
    if (path.dirname(dir) === dir) return { root: start };
  }
}

/** go.work wins over go.mod in the same dir, as it does for cmd/go. */
export function directivesFile(p: ProjectRoot): string | undefined {
  return p.goWork ?? p.goMod;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** modfile.GoVersionRE: go.mod is stricter than gover (no bare "1", no "1.21rc"). */
const GO_LINE_RE = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;

/** Reads the `go` and `toolchain` directives of a go.mod or go.work; a bad one throws UsageError "file:line: ...". */
export async function readGoDirectives(file: string, read?: (file: string) => Promise<string | undefined>): Promise<GoDirectives> {
  let text: string | undefined;
  try {
    text = read ? await read(file) : await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { hint: 'check the file exists and is readable' });
  }
  if (text === undefined) throw new UsageError(`cannot read ${file}`, { hint: 'check the file exists and is readable by you' });
  return parseGoDirectives(text, file);
}

/** The pure part of readGoDirectives, exported for tests. */
export function parseGoDirectives(text: string, file: string): GoDirectives {
  const out: GoDirectives = {};
  let inBlock = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    const fields = tokens(lines[i]!);
    if (fields.length === 0) continue;
    // `require (` ... `)` blocks hold module paths, never directives: skip them whole.
    if (inBlock) {
      if (fields[0] === ')') inBlock = false;
      continue;
    }
    if (fields[fields.length - 1] === '(') {
      inBlock = true;
      continue;
    }
    const [verb, arg, ...extra] = fields;
    if (verb === 'go') {
      if (arg === undefined || extra.length > 0) throw bad(where, 'usage: go 1.23.0', 'write the go line as: go 1.23.0');
      if (!GO_LINE_RE.test(arg) || !parseGoVersion(arg)) {
        throw bad(where, `invalid go version '${arg}': must match format 1.23.0`, 'fix the go line, e.g. go 1.23.0');
      }
      out.go = arg;
    } else if (verb === 'toolchain') {
      if (arg === undefined || extra.length > 0) throw bad(where, 'usage: toolchain go1.23.0', 'write the toolchain line as: toolchain go1.23.0');
      if (arg === 'default') {
        delete out.toolchain;
        continue;
      }
      const v = fromToolchain(arg);
      if (!v) throw bad(where, `invalid toolchain version '${arg}': must match format go1.23.0 or default`, 'fix the toolchain line, e.g. toolchain go1.23.0');
      out.toolchain = v;
    }
  }
  return out;
}

/** gover.FromToolchain: "go1.21.0-custom" names version 1.21.0; anything not starting "go1" is invalid. */
function fromToolchain(name: string): string | undefined {
  if (!/^go1($|\.)/.test(name) || /[\\/]/.test(name)) return undefined;
  const v = name.slice(2).split(/[-+\s]/)[0]!;
  return parseGoVersion(v) ? v : undefined;
}

/** Splits a line into fields, dropping a // comment and unquoting "..." or `...` fields. */
function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /\/\/.*$|"((?:[^"\\]|\\.)*)"|`([^`]*)`|((?:[^\s"`/]|\/(?!\/))+)/g;
  for (const m of line.matchAll(re)) {
    if (m[0].startsWith('//')) break;
    out.push(m[1] ?? m[2] ?? m[3] ?? '');
  }
  return out;
}

function bad(where: string, what: string, hint: string): UsageError {
  return new UsageError(`${where}: ${what}`, { hint });
}
