import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gobox, makeModule } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';
import { makeMiniGoroot, mountsUnder, MINI_VERSION } from '../helpers/verify-store.js';

/**
 * Issue 12: `gobox doctor` reports the store's integrity (a full verify) with the fix command,
 * on a store of the test's own: a real import of a small Go 1.19, then a file of it tampered with.
 */
const NAME = `go${MINI_VERSION}`;
let tmp = '';
let n = 0;
beforeAll(() => {
  tmp = mkdtempSync('/tmp/gobox-it-doctor-store-');
  chmodSync(tmp, 0o755);
  makeMiniGoroot(path.join(tmp, 'goroot'));
});
const RUN_USER = { name: 'gobox-sh2-run', uid: 24252 };
let project = '';
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
  execFileSync('docker', ['volume', 'rm', '-f', `gobox-cache-${RUN_USER.uid}`], { stdio: 'ignore' });
  for (const m of mountsUnder(tmp)) execFileSync('umount', ['-l', m]);
  rmSync(tmp, { recursive: true, force: true });
});

interface Finding { check: string; status: string; detail: string; fix: string }

/** A fresh state dir with the small Go imported into its store. */
async function importedState(): Promise<string> {
  const state = path.join(tmp, `state-${++n}`);
  const r = await gobox(['toolchain', 'import', path.join(tmp, 'goroot')], { cwd: tmp, env: { GOBOX_STATE_DIR: state } });
  expect(r.code, r.stderr).toBe(0);
  return state;
}

/** Its finding from --json and, when asked, the plain text too. */
async function doctor(state: string, withText = false): Promise<{ code: number | null; integrity: Finding; text: string }> {
  const json = await gobox(['doctor', '--json'], { cwd: tmp, env: { GOBOX_STATE_DIR: state } });
  const findings = (JSON.parse(json.stdout) as { findings: Finding[] }).findings;
  const integrity = findings.filter((f) => f.check === 'toolchain integrity');
  expect(integrity, json.stdout).toHaveLength(1);
  const text = withText ? (await gobox(['doctor'], { cwd: tmp, env: { GOBOX_STATE_DIR: state } })).stdout : '';
  return { code: json.code, integrity: integrity[0]!, text };
}

describe('gobox doctor: toolchain integrity', () => {
  it('says a store as installed is verified, then names a tampered file with the repair command, and is ok after the repair', async () => {
    const state = await importedState();
    const clean = await doctor(state);
    expect(clean.integrity).toEqual({ check: 'toolchain integrity', status: 'ok', detail: `${NAME} verified (every file re-hashed against its manifest)`, fix: '' });

    // Same size and mtime put back: only the content hash (and the ctime) can tell.
    const file = path.join(state, 'toolchains', NAME, 'src', 'fmt', 'print.go');
    const ref = path.join(tmp, `ref-${n}`);
    execFileSync('touch', ['-r', file, ref]);
    const before = statSync(file);
    writeFileSync(file, readFileSync(file, 'utf8').replace('package fmt', 'package fmx'));
    execFileSync('touch', ['-r', ref, file]);
    expect([statSync(file).size, statSync(file).mtimeMs]).toEqual([before.size, before.mtimeMs]);

    const bad = await doctor(state, true);
    expect(bad.code).toBe(1);
    expect(bad.integrity.status).toBe('fail');
    expect(bad.integrity.detail).toMatch(new RegExp(`^${NAME.replace(/\./g, '\\.')} is corrupted: src/fmt/print\\.go: content changed \\(sha256 differs\\).*; runs refuse it$`));
    expect(bad.integrity.fix).toBe(`gobox toolchain verify --repair ${MINI_VERSION}`);
    expect(bad.text).toContain(`FAIL  toolchain integrity: ${NAME} is corrupted: src/fmt/print.go`);
    expect(bad.text).toContain(`      fix: gobox toolchain verify --repair ${MINI_VERSION}`);

    // The fix it names works: the repaired store is verified again.
    const repair = await gobox(['toolchain', 'verify', '--repair', MINI_VERSION], { cwd: tmp, env: { GOBOX_STATE_DIR: state } });
    expect(repair.code, repair.stderr).toBe(0);
    expect((await doctor(state)).integrity.status).toBe('ok');
  });

  it('warns about a toolchain with no manifest and names the record command', async () => {
    const state = await importedState();
    rmSync(path.join(state, 'toolchains', '.manifests', `${NAME}.json`));
    const r = await doctor(state);
    expect(r.integrity).toEqual({
      check: 'toolchain integrity', status: 'warn',
      detail: `${NAME} has no manifest (installed before gobox recorded them): runs mount it unchecked`,
      fix: `gobox toolchain verify --record ${MINI_VERSION}`,
    });
  });

  it('fails on a world-writable file as untrusted (and corrupted: its mode changed)', async () => {
    const state = await importedState();
    chmodSync(path.join(state, 'toolchains', NAME, 'VERSION'), 0o666);
    const r = await doctor(state);
    expect(r.integrity.status).toBe('fail');
    expect(r.integrity.detail).toContain(`${NAME} is corrupted: VERSION: `);
    expect(r.integrity.fix).toBe(`gobox toolchain verify --repair ${MINI_VERSION}`);
  });
});

describe('gobox run on a tampered toolchain', () => {
  it('is refused before any sandbox is created, though the check runs while the engine is readied', async () => {
    ensureTestUser(RUN_USER);
    const ids = { uid: RUN_USER.uid, gid: Number(execFileSync('id', ['-g', RUN_USER.name], { encoding: 'utf8' }).trim()) };
    project = makeModule({ 'go.mod': 'module example.com/tampered\n\ngo 1.19\n' }, ids);
    const state = await importedState();
    const run = () => gobox(['-v', 'run', '--go', MINI_VERSION, '--', 'go', 'version'], { cwd: project, env: { GOBOX_STATE_DIR: state } });
    // Sandboxes created between two moments (fractional seconds: runs follow each other closely).
    const sandboxes = (since: string, until: string) => execFileSync('docker', ['events', '--since', since, '--until', until, '--filter', 'event=create',
      '--filter', `label=gobox.owner=${RUN_USER.uid}`, '--filter', 'label=gobox.kind=sandbox', '--format', '{{.Actor.Attributes.name}}'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const okSince = (Date.now() / 1000).toFixed(3);
    const ok = await run();
    expect(sandboxes(okSince, (Date.now() / 1000 + 1).toFixed(3))).toHaveLength(1);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`go version ${NAME} linux/amd64\n`);
    expect(ok.stderr).toMatch(/check toolchain before mount took/);

    writeFileSync(path.join(state, 'toolchains', NAME, 'src', 'fmt', 'print.go'), '// changed\n', { flag: 'a' });
    const since = (Date.now() / 1000).toFixed(3);
    const refused = await run();
    const until = (Date.now() / 1000 + 1).toFixed(3);
    expect(refused.code).toBe(125);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`gobox: ${NAME} in ${path.join(state, 'toolchains')} changed since it was installed (src/fmt/print.go: `);
    expect(sandboxes(since, until)).toEqual([]);
  });
});
