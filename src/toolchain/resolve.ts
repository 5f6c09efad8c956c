import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ToolchainError, UsageError } from '../common/errors.js';
import { directivesFile, findProjectRoot, readGoDirectives, type ProjectRoot } from './gomod.js';
import {
  compareGoVersions, isPrefix, newestPreferStable, parseGoVersion, pickVersion, toolchainName, type GoVersion,
} from './version.js';

export interface ResolveInput {
  /** `--go` from the command line. */
  flag?: string | undefined;
  /** The environment; only GOBOX_GO is read (an empty value counts as unset). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  cwd: string;
  /** From findProjectRoot(cwd); looked up when absent. */
  project?: ProjectRoot | undefined;
  /** The profile's go version: "1.26.8", a prefix like "1.26", or "latest"/undefined for the newest. */
  profileDefault?: string | undefined;
  /** Installed versions, e.g. ["1.26.8", "go1.19.8"]. */
  installed: readonly string[];
  /**
   * Reads a version file (.go-version, go.work, go.mod); undefined when absent or unreadable.
   * The daemon passes the user's own reads here, so root never reads a file for them.
   */
  readText?: ((file: string) => Promise<string | undefined>) | undefined;
}

export interface ResolvedToolchain {
  /** e.g. "1.22.5" (no "go" prefix; toolchainName() adds it). */
  version: string;
  /** Where the choice came from: "--go", "GOBOX_GO", "/abs/.go-version", "/abs/go.mod go line", "profile default". */
  source: string;
  /** One line for `gobox env` and --verbose, e.g. "go.mod go line 1.22: newest installed ≥ 1.22". */
  detail: string;
}

interface Installed { version: GoVersion }

/**
 * Picks the Go version for a run; the first rule that has something to say wins (DESIGN.md):
 * --go, GOBOX_GO, .go-version, go.work/go.mod toolchain line, go line, profile default.
 * A rule that names a version nobody installed throws rather than falling through, so the user
 * sees the command that installs it instead of silently running another Go.
 */
export async function resolveToolchain(input: ResolveInput): Promise<ResolvedToolchain> {
  const installed: Installed[] = input.installed.flatMap((t) => {
    const v = parseGoVersion(t);
    return v ? [{ version: v }] : [];
  });
  const have = installedList(installed);

  if (input.flag) return byRequest(input.flag, '--go', '--go', installed, have);
  const envGo = input.env?.GOBOX_GO?.trim();
  if (envGo) return byRequest(envGo, 'GOBOX_GO', 'GOBOX_GO', installed, have);

  const project = input.project ?? (await findProjectRoot(input.cwd));
  const read = input.readText ?? readTextFile;
  const goVersionFile = await findGoVersionFile(path.resolve(input.cwd), project.root, read);
  if (goVersionFile) return byRequest(goVersionFile.text, goVersionFile.file, goVersionFile.file, installed, have);

  const modFile = directivesFile(project);
  if (modFile) {
    const base = path.basename(modFile);
    const d = await readGoDirectives(modFile, read);
    // cmd/go uses max(go, toolchain): a toolchain line older than the go line says nothing.
    if (d.toolchain && (!d.go || compareGoVersions(d.toolchain, d.go) >= 0)) {
      const source = `${modFile} toolchain line`;
      const hit = installed.find((i) => compareGoVersions(i.version, d.toolchain!) === 0);
      if (!hit) throw missing(`${base} asks for toolchain ${toolchainName(d.toolchain)} (${source})`, have, d.toolchain);
      return { version: hit.version.text, source, detail: `${base} toolchain line ${toolchainName(d.toolchain)}: installed` };
    }
    if (d.go) {
      const source = `${modFile} go line`;
      const fits = installed.filter((i) => compareGoVersions(i.version, d.go!) >= 0);
      const hit = fits.sort((a, b) => compareGoVersions(b.version, a.version))[0];
      if (!hit) throw missing(`${base} asks for go ≥ ${d.go} (${source})`, have, d.go);
      return { version: hit.version.text, source, detail: `${base} go line ${d.go}: newest installed ≥ ${d.go}` };
    }
  }

  const def = input.profileDefault?.trim();
  return byRequest(def || 'latest', 'profile default', 'the profile default', installed, have);
}

/** Rules 1-3 and 6: an exact version, a prefix ("1.22" = newest 1.22.x) or "latest". */
function byRequest(text: string, source: string, who: string, installed: Installed[], have: string): ResolvedToolchain {
  const request = text.trim();
  if (request === 'latest') {
    const hit = newestPreferStable(installed);
    if (!hit) {
      throw new ToolchainError(`no Go toolchain is installed (${who} asks for the newest)`, {
        hint: 'gobox toolchain install latest',
      });
    }
    return { version: hit.version.text, source, detail: `${who}: newest installed` };
  }
  const want = parseGoVersion(request);
  if (!want) {
    throw new UsageError(`${source}: not a Go version: ${request}`, { hint: 'use a version like 1.22.5, a prefix like 1.22, or latest' });
  }
  const hit = pickVersion(installed, want);
  const family = isPrefix(want) ? ` (newest ${want.text}.x)` : '';
  if (!hit) throw missing(`${who} asks for go ${want.text}${family}`, have, want.text);
  return { version: hit.version.text, source, detail: `${who} asks for ${want.text}${family}` };
}

/** The first .go-version with content, from cwd up to the project root. */
async function findGoVersionFile(cwd: string, root: string, read: (file: string) => Promise<string | undefined>): Promise<{ file: string; text: string } | undefined> {
  const stop = path.resolve(root);
  const inside = cwd === stop || cwd.startsWith(stop + path.sep);
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const file = path.join(dir, '.go-version');
    const text = firstLine(await read(file));
    if (text) return { file, text };
    if (!inside || dir === stop || path.dirname(dir) === dir) return undefined;
  }
}

/** First line that is neither blank nor a # comment (goenv and asdf allow those). */
function firstLine(text: string | undefined): string | undefined {
  return text?.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
}

async function readTextFile(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function installedList(installed: Installed[]): string {
  if (installed.length === 0) return 'none';
  return [...installed].sort((a, b) => compareGoVersions(a.version, b.version)).map((i) => toolchainName(i.version)).join(', ');
}

function missing(what: string, have: string, install: string): ToolchainError {
  return new ToolchainError(`${what}; installed: ${have}`, { hint: `gobox toolchain install ${install}` });
}
