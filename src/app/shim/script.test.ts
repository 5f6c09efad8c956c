import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGoboxFile, profileSnippet, shimScript, SHIM_MARK } from './script.js';

/** A shim whose "node" prints what it was given, in a temp dir; plus a host go and another gobox shim elsewhere. */
function setup() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'gobox-shim-unit-'));
  const dir = path.join(root, 'shims');
  const host = path.join(root, 'host');
  const other = path.join(root, 'other-shims');
  for (const d of [dir, host, other]) mkdirSync(d);
  const node = path.join(root, 'fake node');
  writeFileSync(node, '#!/bin/sh\nprintf "[%s]" "$@"; echo " guard=$GOBOX_SHIM_ACTIVE"\n', { mode: 0o755 });
  writeFileSync(path.join(dir, 'go'), shimScript({ tool: 'go', dir, node, entry: '/opt/gobox/shim-bin.js' }), { mode: 0o755 });
  writeFileSync(path.join(other, 'go'), shimScript({ tool: 'go', dir: other, node, entry: '/x' }), { mode: 0o755 });
  writeFileSync(path.join(host, 'go'), '#!/bin/sh\necho "host go $*"\n', { mode: 0o755 });
  const run = (args: string[], env: Record<string, string>, PATH = `${dir}:${other}:${host}:/usr/bin:/bin`) =>
    spawnSync(path.join(dir, 'go'), args, { env: { PATH, ...env }, encoding: 'utf8' });
  return { dir, host, other, node, run };
}

describe('the shim script', () => {
  it('hands every argument over verbatim, with the guard set', () => {
    const s = setup();
    const r = s.run(['test', '-run', 'A B', "it's", '$HOME', '*'], {});
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`[/opt/gobox/shim-bin.js][go][test][-run][A B][it's][$HOME][*] guard=${s.dir}/go\n`);
  });

  it('refuses to start gobox again when reached from inside gobox', () => {
    const s = setup();
    const r = s.run(['version'], { GOBOX_SHIM_ACTIVE: '/somewhere/go' });
    expect(r.status).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`gobox: the go shim in ${s.dir} was reached from inside gobox (via /somewhere/go); not starting gobox again\n`);
  });

  it('GOBOX_SHIM=off runs the next go on PATH that is not a gobox shim', () => {
    const s = setup();
    const r = s.run(['env', 'A B'], { GOBOX_SHIM: 'off' });
    expect(r.stdout).toBe('host go env A B\n');
    expect(r.status).toBe(0);
    const none = s.run(['version'], { GOBOX_SHIM: 'off' }, `${s.dir}:${s.other}:/usr/bin:/bin`);
    expect(none.status).toBe(127);
    expect(none.stderr).toBe("gobox: GOBOX_SHIM=off, and there is no go on PATH besides gobox's shim\n");
  });

  it('is told apart from other files by its mark line only', () => {
    const s = setup();
    expect(isGoboxFile(shimScript({ tool: 'gofmt', dir: s.dir, node: s.node, entry: '/e' }))).toBe(true);
    expect(isGoboxFile(profileSnippet('/usr/local/lib/gobox/bin'))).toBe(true);
    expect(isGoboxFile(`#!/bin/sh\n# mentions ${SHIM_MARK} but not as a line of its own\n`)).toBe(false);
    expect(() => shimScript({ tool: 'go', dir: 'relative', node: s.node, entry: '/e' })).toThrow(/absolute/);
  });

  it('goes through its client when there is one, but for go version and go env, and skips a client that is gone', () => {
    const s = setup();
    const client = path.join(s.dir, '.gobox-shim-client');
    writeFileSync(client, '#!/bin/sh\nprintf "client"; printf "[%s]" "$@"; echo\n', { mode: 0o755 });
    writeFileSync(path.join(s.dir, 'go'), shimScript({ tool: 'go', dir: s.dir, node: s.node, entry: '/e', client }), { mode: 0o755 });
    expect(s.run(['list', '-m'], {}).stdout).toBe(`client[${s.node}][/e][go][list][-m]\n`);
    // Their kept answers are the Node entry's (app/shim/answer-cache.ts).
    expect(s.run(['version'], {}).stdout).toBe(`[/e][go][version] guard=${s.dir}/go\n`);
    expect(s.run(['env', 'GOPATH'], {}).stdout).toBe(`[/e][go][env][GOPATH] guard=${s.dir}/go\n`);
    writeFileSync(path.join(s.dir, 'gofmt'), shimScript({ tool: 'gofmt', dir: s.dir, node: s.node, entry: '/e', client }), { mode: 0o755 });
    expect(spawnSync(path.join(s.dir, 'gofmt'), ['-l', '.'], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' }).stdout).toBe(`client[${s.node}][/e][gofmt][-l][.]\n`);
    rmSync(client);
    expect(s.run(['list', '-m'], {}).stdout).toBe(`[/e][go][list][-m] guard=${s.dir}/go\n`);
  });

  it('the profile.d snippet puts the directory first once, even when sourced twice', () => {
    const snippet = profileSnippet("/opt/it's here/bin");
    const r = spawnSync('sh', ['-c', `eval "$S"; eval "$S"; echo "$PATH"`], { env: { PATH: '/usr/bin:/bin', S: snippet }, encoding: 'utf8' });
    expect(r.stdout).toBe("/opt/it's here/bin:/usr/bin:/bin\n");
  });
});
