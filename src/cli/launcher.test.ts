import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LAUNCHER_CLIENT, LAUNCHER_NAME, launcherScript } from './launcher.js';

/** The launcher as built, beside a bin.js and a client that only say how they were called. */
function install(withClient: boolean): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-launcher-'));
  writeFileSync(path.join(dir, LAUNCHER_NAME), launcherScript(), { mode: 0o755 });
  writeFileSync(path.join(dir, 'bin.js'), 'console.log(JSON.stringify(["node", ...process.argv.slice(2)]));\n');
  if (withClient) {
    const client = path.join(dir, LAUNCHER_CLIENT);
    writeFileSync(client, '#!/bin/sh\nnode -e \'console.log(JSON.stringify(["client", ...process.argv.slice(1)]))\' -- "$@"\n');
    chmodSync(client, 0o755);
  }
  return dir;
}

describe('the gobox launcher', () => {
  const dir = install(true);
  const bare = install(false);
  afterAll(() => [dir, bare].forEach((d) => rmSync(d, { recursive: true, force: true })));
  const call = (where: string, ...args: string[]): string[] => JSON.parse(execFileSync(path.join(where, LAUNCHER_NAME), args, { encoding: 'utf8' })) as string[];
  const node = execFileSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).trim();

  it('hands a plain `gobox run CMD...` to the client, which falls back to bin.js with `run -- CMD...`', () => {
    const viaClient = (...cmd: string[]) => ['client', node, path.join(dir, 'bin.js'), 'run', '--', ...cmd];
    expect(call(dir, 'run', 'go', 'build', './...')).toEqual(viaClient('go', 'build', './...'));
    expect(call(dir, 'run', '--', 'go', 'test')).toEqual(viaClient('go', 'test'));
    expect(call(dir, 'run', '--', '-x', 'a b')).toEqual(viaClient('-x', 'a b'));
  });

  it('gives everything else to bin.js with its arguments untouched', () => {
    for (const args of [['--version'], ['-v', 'run', 'go', 'version'], ['run', '-p', 'classroom', 'go'], ['run', '--'], ['run', '--', ''], ['run'], ['shim', 'status'], []]) {
      expect(call(dir, ...args), args.join(' ')).toEqual(['node', ...args]);
    }
  });

  it('runs bin.js for every call when the build made no client', () => {
    expect(call(bare, 'run', 'go', 'build')).toEqual(['node', 'run', 'go', 'build']);
  });

  it('finds bin.js beside itself when called through a symlink (npm link)', () => {
    const link = path.join(bare, 'linked');
    symlinkSync(path.join(dir, LAUNCHER_NAME), link);
    expect(JSON.parse(execFileSync(link, ['run', 'true'], { encoding: 'utf8' }))).toEqual(['client', node, path.join(dir, 'bin.js'), 'run', '--', 'true']);
  });
});
