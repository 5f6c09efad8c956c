import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The house rules of docs/architecture.md, read from the source itself: which folder may import
 * which, who imports dockerode and who prints. A new file that breaks one fails here, by name.
 */
const SRC = path.dirname(fileURLToPath(import.meta.url));

/** Folder -> the folders it may import (besides itself). Data flows one way: down this list. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  cli: ['agent', 'daemon', 'app', 'config', 'toolchain', 'cache', 'sandbox', 'engine', 'wire', 'common'],
  // The two servers sit above app/, side by side: neither imports the other.
  daemon: ['app', 'config', 'toolchain', 'cache', 'sandbox', 'engine', 'wire', 'common'],
  agent: ['app', 'config', 'toolchain', 'cache', 'sandbox', 'engine', 'wire', 'common'],
  app: ['config', 'toolchain', 'cache', 'sandbox', 'engine', 'common'],
  config: ['sandbox', 'common'],
  cache: ['common'],
  toolchain: ['common'],
  sandbox: ['common'],
  // engine/ compiles the SandboxSpec: it may name sandbox/'s types, never call sandbox/ code.
  engine: ['common'],
  // The wire's request schemas reuse config's size, duration and Go-env validators.
  wire: ['config', 'common'],
  common: [],
};

/** Imports of types only, allowed where a value import is not. */
const TYPES_ONLY: Record<string, readonly string[]> = { engine: ['sandbox'] };

/** Files that write to stdout/stderr outside cli/, and why that is not printing to the user. */
const OWN_STDOUT = new Set([
  // A child process run as the user: its stdout is its one-line report to the daemon.
  'daemon/project-as-user.ts',
  'daemon/jail-as-user.ts',
]);

interface Edge { from: string; to: string; spec: string; typeOnly: boolean }

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts') && !/\.test(-util)?\.ts$/.test(name) && !name.endsWith('.test-util.ts')) out.push(p);
  }
  return out;
}

const files = sources(SRC).map((p) => ({ rel: path.relative(SRC, p).split(path.sep).join('/'), text: readFileSync(p, 'utf8') }));
const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function readEdges(): Edge[] {
  const out: Edge[] = [];
  for (const { rel, text } of files) {
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[3] ?? m[4] ?? '';
      const target = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)) : spec;
      out.push({ from: rel, to: target, spec, typeOnly: Boolean(m[2]) });
    }
  }
  return out;
}

const allEdges = readEdges();
const edges = (): Edge[] => allEdges;
const folderOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '');

describe('architecture', () => {
  it('knows every folder under src/', () => {
    const folders = new Set(files.map((f) => folderOf(f.rel)).filter(Boolean));
    expect([...folders].filter((f) => !(f in MAY_IMPORT))).toEqual([]);
  });

  it('has no import that runs upward', () => {
    const wrong = edges()
      .filter((e) => e.spec.startsWith('.'))
      .filter((e) => {
        const from = folderOf(e.from);
        const to = folderOf(e.to);
        if (from === to || !(from in MAY_IMPORT)) return false;
        if (MAY_IMPORT[from]!.includes(to)) return false;
        return !(e.typeOnly && TYPES_ONLY[from]?.includes(to));
      })
      .map((e) => `${e.from} -> ${e.spec}`);
    expect(wrong).toEqual([]);
  });

  it('app/ never imports daemon/, cli/, agent/ or wire/', () => {
    const wrong = edges().filter((e) => e.from.startsWith('app/') && /^(daemon|cli|agent|wire)\//.test(e.to));
    expect(wrong.map((e) => `${e.from} -> ${e.spec}`)).toEqual([]);
  });

  it('only src/engine/ imports dockerode', () => {
    const wrong = edges().filter((e) => /^(dockerode|docker-modem)(\/|$)/.test(e.to) && folderOf(e.from) !== 'engine');
    expect(wrong.map((e) => e.from)).toEqual([]);
  });

  it('only src/cli/ writes to stdout or stderr', () => {
    const wrong = files
      .filter((f) => folderOf(f.rel) !== 'cli' && !OWN_STDOUT.has(f.rel))
      .filter((f) => /process\.(stdout|stderr)\b|\bconsole\.[a-z]+\(/.test(f.text))
      .map((f) => f.rel);
    expect(wrong).toEqual([]);
  });

  it('loads zod, yargs and yaml through their one module each, which the build bundles (scripts/bundle-deps.mjs)', () => {
    const through: Record<string, string> = { zod: 'common/zod.ts', yargs: 'cli/yargs.ts', yaml: 'common/yaml.ts' };
    const direct = edges().filter((e) => !e.typeOnly && /^(zod|yargs|yaml)(\/|$)/.test(e.to) && through[e.to.split('/')[0]!] !== e.from);
    expect(direct.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it.each(['cli/agent-run.ts', 'cli/shim-bin.ts'])('the fast path from %s loads no zod, yargs or dockerode', (start) => {
    const byRel = new Map(files.map((f) => [f.rel, f]));
    const seen = new Set<string>();
    const heavy: string[] = [];
    const visit = (rel: string): void => {
      if (seen.has(rel)) return;
      seen.add(rel);
      for (const e of edges().filter((x) => x.from === rel && !x.typeOnly)) {
        // Dynamic imports load later, on the slow path; the fast path is the static graph.
        const text = byRel.get(rel)?.text ?? '';
        if (text.includes(`import('${e.spec}')`)) continue;
        if (/^(zod|yargs|dockerode)(\/|$)/.test(e.to)) heavy.push(`${rel} -> ${e.to}`);
        if (e.spec.startsWith('.')) visit(e.to.replace(/\.js$/, '.ts'));
      }
    };
    visit(start);
    expect(heavy).toEqual([]);
  });
});
