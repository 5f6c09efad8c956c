import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gobox, REPO } from '../helpers/gobox.js';

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
    const text = readFileSync(path.join(REPO, 'dist', 'common', 'zod.js'), 'utf8');
    expect(text).not.toMatch(/^(import|export) .* from ["']zod/m);
    expect(text.length).toBeGreaterThan(100_000);
    // A profile with two wrong fields: zod's own wording for one, gobox's rule for the other.
    const dir = mkdtempSync('/tmp/gobox-it-startup-');
    writeFileSync(path.join(dir, 'bad.yaml'), 'image: 5\nlimits:\n  memory: lots\n');
    const r = await gobox(['profile', 'validate', path.join(dir, 'bad.yaml')], { cwd: dir });
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('bad.yaml: image: Invalid input: expected string, received number; ');
    expect(r.stderr).toContain('bad.yaml: limits.memory: expected a size such as "512m" or "2g"');
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
