import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gobox, REPO } from '../helpers/gobox.js';

const DIST = path.join(REPO, 'dist');
const read = (rel: string): string => readFileSync(path.join(DIST, rel), 'utf8');
const staticImports = (text: string): string[] => [...text.matchAll(/^import (?:[^'"]*? from )?["']([^"']+)["'];$/gm)].map((m) => m[1]!);
const isBuiltin = (m: string): boolean => m.startsWith('node:') || builtinModules.includes(m);
const ENTRIES = ['cli/bin.js', 'cli/shim-bin.js', 'daemon/jail-as-user.js', 'daemon/project-as-user.js'];
const bundles = (): string[] => [...ENTRIES, ...readdirSync(path.join(DIST, 'chunks')).filter((f) => f.endsWith('.js')).map((f) => `chunks/${f}`)];

/**
 * Issue 12, start-up: the build bundles yargs into one module (scripts/bundle-deps.mjs), and
 * the CLI still behaves as yargs does unbundled: its version, its messages, its translations.
 */
describe('the CLI as built', () => {
  it('loads yargs as one bundled module that imports only node built-ins', () => {
    const text = readFileSync(path.join(REPO, 'dist', 'cli', 'yargs.js'), 'utf8');
    const imports = [...text.matchAll(/^import .* from ["']([^"']+)["'];$/gm)].map((m) => m[1]!);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((m) => !m.startsWith('node:') && !builtinModules.includes(m))).toEqual([]);
    // What made it worth bundling: the unbundled re-export pulls yargs's modules in one by one.
    expect(text).not.toMatch(/from ["']yargs/);
  });

  it('loads zod as one bundled module too, and its messages are as before', async () => {
    const text = read('common/zod.js');
    expect(text).not.toMatch(/^(import|export) .* from ["']zod/m);
    expect(text).toContain('../deps/zod.cjs');
    expect(read('deps/zod.cjs').length).toBeGreaterThan(100_000);
    // A profile with two wrong fields: zod's own wording for one, gobox's rule for the other.
    const dir = mkdtempSync('/tmp/gobox-it-startup-');
    writeFileSync(path.join(dir, 'bad.yaml'), 'image: 5\nlimits:\n  memory: lots\n');
    const r = await gobox(['profile', 'validate', path.join(dir, 'bad.yaml')], { cwd: dir });
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('bad.yaml: image: Invalid input: expected string, received number; ');
    expect(r.stderr).toContain('bad.yaml: limits.memory: expected a size such as "512m" or "2g"');
  });

  it('loads zod, yaml and dockerode as one bundle each that requires only node built-ins', () => {
    for (const name of ['zod', 'yaml', 'dockerode']) {
      const facade = read({ zod: 'common/zod.js', yaml: 'common/yaml.js', dockerode: 'engine/load-dockerode.js' }[name]!);
      expect(staticImports(facade).filter((m) => !isBuiltin(m) && !m.endsWith('/cached-bundle.js')), name).toEqual([]);
      expect(facade, name).toContain(`../deps/${name}.cjs`);
      // debug's optional require of supports-color sits in a try, as it does unbundled.
      const required = [...read(`deps/${name}.cjs`).matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!);
      expect(required.filter((m) => !isBuiltin(m) && m !== 'supports-color'), name).toEqual([]);
    }
  });

  it('loads each dependency bundle with the code cache the build made, which this Node accepts', () => {
    // src/common/cached-bundle.ts: a cache V8 rejected would cost every run its compile time again.
    const script = `
      const { loadCachedBundle } = await import(${JSON.stringify(path.join(DIST, 'common', 'cached-bundle.js'))});
      const used = ['zod', 'yaml', 'dockerode'].map((n) => [n, loadCachedBundle(${JSON.stringify(path.join(DIST, 'deps'))} + '/' + n + '.cjs').cacheUsed]);
      console.log(JSON.stringify(Object.fromEntries(used)));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(out)).toEqual({ zod: true, yaml: true, dockerode: true });
  });

  it('loads dockerode\'s ssh and BuildKit parts from the bundle only when they are used', () => {
    // An ssh:// engine host makes docker-modem load its ssh agent, and with it ssh2.
    const script = `
      import { createRequire } from 'node:module';
      const { loadDockerode } = await import(${JSON.stringify(path.join(DIST, 'engine', 'load-dockerode.js'))});
      const heavy = () => Object.keys(createRequire(import.meta.url).cache).filter((f) => /[\\/](ssh2|@grpc|protobufjs)[\\/]/.test(f)).length;
      const Docker = loadDockerode();
      new Docker({ socketPath: '/nonexistent.sock' });
      const before = heavy();
      const err = await new Docker({ protocol: 'ssh', host: '127.0.0.1', port: 1, username: 'nobody' }).version().then(() => 'none', (e) => e.code);
      console.log(JSON.stringify({ before, after: heavy(), err }));`;
    const out = execFileSync(process.execPath, ['--no-deprecation', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    const r = JSON.parse(out) as { before: number; after: number; err: string };
    expect(r.before).toBe(0);
    expect(r.after).toBeGreaterThan(0);
    expect(r.err).toBe('ECONNREFUSED');
  });

  it('runs its process entries as bundles whose imports and import.meta paths all exist', () => {
    let named = 0;
    for (const rel of bundles()) {
      const text = read(rel);
      // Relative imports: other chunks or the dependency bundles; nothing of gobox's tsc output.
      for (const m of staticImports(text).filter((x) => x.startsWith('.'))) {
        const target = path.posix.join(path.posix.dirname(rel), m);
        expect(target, `${rel} imports ${m}`).toMatch(/^(chunks\/|cli\/yargs\.js$|common\/(zod|yaml|cached-bundle)\.js$|engine\/load-dockerode\.js$)/);
        expect(existsSync(path.join(DIST, target)), `${rel} imports ${m}`).toBe(true);
      }
      // scripts/bundle-app.mjs: each module's import.meta.url is its tsc output's, which must exist.
      for (const m of text.matchAll(/new URL\("\.\.\/([^"]+)", import\.meta\.url\)/g)) {
        expect(existsSync(path.join(DIST, m[1]!)), `${rel} names dist/${m[1]}`).toBe(true);
        named++;
      }
    }
    // jail-site, path-safety, agent-run, shim, facts, proxy-forwarder, paths, location, shim-bin.
    expect(named).toBeGreaterThanOrEqual(9);
    expect(staticImports(read('cli/bin.js')).filter((m) => !m.startsWith('../chunks/') && !isBuiltin(m))).toEqual([]);
    // What those paths lead to: the helpers the daemon spawns, the agent's bin.js, the shims'
    // entry, the forwarder's Go source and the package root.
    for (const f of [...ENTRIES, 'app/network/forwarder/main.go', '../package.json', '../profiles']) expect(existsSync(path.join(DIST, f)), f).toBe(true);
  });

  it('prints gobox\'s own version from any directory', async () => {
    const version = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await gobox(['--version'], { cwd: '/' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it('keeps yargs\'s messages and their translations (found beside the installed yargs)', async () => {
    const en = await gobox(['--help'], { cwd: '/' });
    expect(en.stdout).toContain('Show help');
    const de = await gobox(['--help'], { cwd: '/', env: { LC_ALL: 'de_DE.UTF-8' } });
    expect(de.stdout).toContain('Hilfe anzeigen');
    const unknown = await gobox(['nosuchcommand'], { cwd: '/' });
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toBe('gobox: Unknown command: nosuchcommand; see: gobox --help\n');
  });
});
