import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeModule, waitFor } from '../helpers/gobox.js';
import { inState, MINI_VERSION, mountsUnder, useVerifyFixtures } from '../helpers/verify-store.js';

/**
 * The daemon's full verify at start and on SIGHUP, on a store of this file's own. The tamper is
 * one the stat check before a mount cannot see (the content changed and the manifest's stamps
 * rewritten to match): only the full re-hash finds it, and then every run refuses the toolchain.
 */
const fx = useVerifyFixtures();
const NAME = `go${MINI_VERSION}`;
const USER = { name: 'gobox-store-b', uid: 23801 };

function ensureUser(): { name: string; uid: number; gid: number } {
  try {
    execFileSync('id', ['-u', USER.name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--uid', String(USER.uid), '--user-group', '--shell', '/bin/sh', USER.name]);
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, USER.name], { encoding: 'utf8' }).trim());
  return { name: USER.name, uid: id('-u'), gid: id('-g') };
}

const count = (text: string, what: string) => text.split(what).length - 1;

describe('the daemon verifies the store at start and on SIGHUP', () => {
  let d: TestDaemon | undefined;
  let state = '';
  let project = '';
  beforeAll(async () => {
    const u = ensureUser();
    state = fx.newState();
    const r = await inState(state, ['toolchain', 'import', fx.src()]);
    expect(r.code, r.stderr).toBe(0);
    project = makeModule({ 'go.mod': 'module example.com/d\n\ngo 1.19\n' }, u);
    d = await startTestDaemon([u.name], undefined, { GOBOX_STATE_DIR: state });
  });
  afterAll(async () => {
    await d?.stop();
    execFileSync('docker', ['volume', 'rm', '-f', `gobox-cache-${USER.uid}`], { stdio: 'ignore' });
    for (const m of mountsUnder(state)) execFileSync('umount', ['-l', m]);
    execFileSync('rm', ['-rf', project]);
  });

  it('refuses a toolchain its full verify finds changed, until it is repaired and the daemon reloaded', async () => {
    const daemon = d!;
    await waitFor(() => daemon.log().includes('verified 1 toolchain(s); all as installed'), 60_000);
    const run = () => daemon.run(USER.name, ['run', '--go', MINI_VERSION, '--', 'go', 'version'], { cwd: project });
    const ok = await run();
    expect(ok.code, ok.stderr).toBe(0);

    const goroot = path.join(state, 'toolchains', NAME);
    const file = path.join(goroot, 'src', 'fmt', 'print.go');
    writeFileSync(file, readFileSync(file, 'utf8').replace('package fmt', 'package fmx'));
    const manifestFile = path.join(state, 'toolchains', '.manifests', `${NAME}.json`);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { entries: (string | number)[][] };
    const st = statSync(file);
    const entry = manifest.entries.find((e) => e[1] === 'src/fmt/print.go')!;
    [entry[6], entry[7], entry[8]] = [st.ino, st.mtimeMs, st.ctimeMs];
    writeFileSync(manifestFile, JSON.stringify(manifest));

    daemon.child.kill('SIGHUP');
    await waitFor(() => daemon.log().includes('refusing 1'), 60_000);
    expect(daemon.log()).toContain(`${NAME} is corrupted: src/fmt/print.go: content changed (sha256 differs); runs refuse it until it is repaired: gobox toolchain verify --repair ${MINI_VERSION}`);
    const refused = await run();
    expect(refused.code).toBe(125);
    expect(refused.stderr).toBe(`gobox: ${NAME} failed the last full verify (corrupted: src/fmt/print.go: content changed (sha256 differs)); refusing to mount it; see gobox toolchain verify ${MINI_VERSION}; restore it with gobox toolchain verify --repair ${MINI_VERSION}, then reload the daemon\n`);

    const repaired = await inState(state, ['toolchain', 'verify', '--repair']);
    expect(repaired.code, repaired.stderr).toBe(0);
    daemon.child.kill('SIGHUP');
    await waitFor(() => count(daemon.log(), 'all as installed') >= 2, 60_000);
    const again = await run();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^go version go1\.19\.\d+ linux\//);
  });
});
