import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isGoboxFile } from './script.js';

export interface Found {
  /** The executable, as PATH names it. */
  path: string;
  /** Which PATH entry held it. */
  dir: string;
  /** A script gobox wrote (a shim of this or another installation). */
  goboxShim: boolean;
}

/** Reads the head of a file to tell whether gobox wrote it; false for anything unreadable. */
export function isGoboxWritten(file: string): boolean {
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > 64 * 1024) return false;
    return isGoboxFile(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** Every executable `tool` along a PATH string, in the order the shell would try them. */
export function findAllOnPath(tool: string, pathVar: string | undefined): Found[] {
  const out: Found[] = [];
  const seen = new Set<string>();
  for (const raw of (pathVar ?? '').split(':')) {
    // An empty entry means the cwd to the shell: never a place the shim is judged by.
    if (!raw.startsWith('/')) continue;
    const dir = path.normalize(raw).replace(/\/$/, '') || '/';
    if (seen.has(dir)) continue;
    seen.add(dir);
    const file = path.join(dir, tool);
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
    } catch {
      continue;
    }
    out.push({ path: file, dir, goboxShim: isGoboxWritten(file) });
  }
  return out;
}

export function findOnPath(tool: string, pathVar: string | undefined): Found | undefined {
  return findAllOnPath(tool, pathVar)[0];
}

/** The PATH entries in order, normalised, absolute ones only. */
export function pathDirs(pathVar: string | undefined): string[] {
  return (pathVar ?? '').split(':').filter((d) => d.startsWith('/')).map((d) => path.normalize(d).replace(/\/$/, '') || '/');
}
