import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gobox } from '../helpers/gobox.js';
import { inState, lastLine, MINI_VERSION, removeRunLeftovers, RUN_USER, useVerifyFixtures, type VerifyJson } from '../helpers/verify-store.js';

/** Issue 12, points 5-7: manifests, `gobox toolchain verify`, the check before every mount, repair. */
const fx = useVerifyFixtures();
const NAME = `go${MINI_VERSION}`;

const states: string[] = [];
afterEach(() => {
  for (const s of states.splice(0)) removeRunLeftovers(s);
});

/** A fresh state dir with the small Go imported: [state dir, GOROOT in its store]. */
async function imported(): Promise<[string, string]> {
  const state = fx.newState();
  states.push(state);
  const r = await inState(state, ['toolchain', 'import', fx.src()]);
  expect(r.code, r.stderr).toBe(0);
  return [state, path.join(state, 'toolchains', NAME)];
}

async function verify(state: string, ...args: string[]): Promise<{ code: number | null; json: VerifyJson; stderr: string }> {
  const r = await inState(state, ['toolchain', 'verify', '--json', ...args]);
  return { code: r.code, json: JSON.parse(r.stdout) as VerifyJson, stderr: r.stderr };
}

/** `gobox run go version` in a project that asks for this Go. */
function runGo(state: string) {
  return inState(state, ['run', '--go', MINI_VERSION, '--', 'go', 'version'], fx.project());
}

describe('toolchain manifests', () => {
  it('records one at import whose digest is Go dirhash h1: of the tree, and verify passes', async () => {
    const [state, goroot] = await imported();
    const manifest = JSON.parse(readFileSync(path.join(state, 'toolchains', '.manifests', `${NAME}.json`), 'utf8')) as { digest: string; source: { kind: string; dir: string } };
    // An independent witness: dirhash's own definition, sha256sum over the sorted file list.
    const witness = execFileSync('bash', ['-c', "find . -type f -printf '%P\\n' | LC_ALL=C sort | while read -r f; do printf '%s  %s\\n' \"$(sha256sum < \"$f\" | cut -d' ' -f1)\" \"$f\"; done | sha256sum | cut -d' ' -f1 | xxd -r -p | base64"], { cwd: goroot, encoding: 'utf8' }).trim();
    expect(manifest.digest).toBe(`h1:${witness}`);
    expect(manifest.source).toEqual({ kind: 'import', dir: fx.src() });
    const v = await verify(state);
    expect(v.code).toBe(0);
    expect(v.json.toolchains).toEqual([expect.objectContaining({ name: NAME, status: 'ok', digest: manifest.digest, findings: [] })]);
    // The plain form: one line per toolchain.
    const text = await inState(state, ['toolchain', 'verify', MINI_VERSION]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`${NAME}  ok  ${manifest.digest}  ${goroot}\n`);
  });
});

/** Each way of tampering: what verify reports (class bits in the exit status), and that a run refuses it. */
const tampers: { what: string; exit: number; kinds: string[]; tamper: (goroot: string) => void }[] = [
  {
    what: 'content, same size, mtime put back',
    exit: 1,
    kinds: ['changed'],
    tamper: (g) => {
      const f = path.join(g, 'src', 'fmt', 'print.go');
      const ref = `${path.dirname(path.dirname(g))}.ref`;
      const before = statSync(f);
      // touch -r keeps the nanoseconds: only the ctime (and the hash) can tell.
      execFileSync('touch', ['-r', f, ref]);
      writeFileSync(f, readFileSync(f, 'utf8').replace('package fmt', 'package fmx'));
      execFileSync('touch', ['-r', ref, f]);
      rmSync(ref);
      expect([statSync(f).mtimeMs, statSync(f).size]).toEqual([before.mtimeMs, before.size]);
    },
  },
  { what: 'mode (world-writable)', exit: 3, kinds: ['changed', 'writable'], tamper: (g) => chmodSync(path.join(g, 'VERSION'), 0o666) },
  { what: 'owner', exit: 3, kinds: ['changed', 'owner'], tamper: (g) => chownSync(path.join(g, 'src', 'fmt', 'print.go'), 23800, 23800) },
  {
    what: 'an added setuid file',
    exit: 3,
    kinds: ['extra', 'setid'],
    tamper: (g) => {
      writeFileSync(path.join(g, 'bin', 'helper'), '#!/bin/sh\n');
      chmodSync(path.join(g, 'bin', 'helper'), 0o4755);
    },
  },
  { what: 'a symlink to /etc', exit: 3, kinds: ['extra', 'symlink'], tamper: (g) => symlinkSync('/etc', path.join(g, 'src', 'etc')) },
];

describe('tampering with a stored toolchain', () => {
  for (const t of tampers) {
    it(`${t.what}: verify reports it, exit ${t.exit}, and a run refuses to mount it`, async () => {
      const [state, goroot] = await imported();
      t.tamper(goroot);
      const v = await verify(state, MINI_VERSION);
      expect(v.code).toBe(t.exit);
      expect(v.json.exitCode).toBe(t.exit);
      const kinds = [...new Set(v.json.toolchains[0]!.findings.map((f) => f.kind))].sort();
      expect(kinds).toEqual([...t.kinds].sort());
      const run = await runGo(state);
      expect(run.code).toBe(125);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(new RegExp(`^gobox: ${NAME} in ${state}/toolchains changed since it was installed \\(.+\\); refusing to mount it; `));
    });
  }

  it('a repaired toolchain runs again; the repair is a fresh copy from the recorded source', async () => {
    const [state, goroot] = await imported();
    const before = JSON.parse(readFileSync(path.join(state, 'toolchains', '.manifests', `${NAME}.json`), 'utf8')) as { digest: string };
    writeFileSync(path.join(goroot, 'bin', 'go'), '#!/bin/sh\necho pwned\n');
    symlinkSync('/etc', path.join(goroot, 'etc'));
    expect((await runGo(state)).code).toBe(125);
    const fixed = await verify(state, '--repair', MINI_VERSION);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.json.toolchains[0]).toEqual(expect.objectContaining({ status: 'ok', repaired: fx.src(), digest: before.digest, findings: [] }));
    expect(existsSync(path.join(goroot, 'etc'))).toBe(false);
    // Nothing left beside it: no temp dirs, no old copy.
    const entries = execFileSync('ls', ['-A', path.join(state, 'toolchains')], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(entries.filter((e) => !e.startsWith('.lock-'))).toEqual(['.manifests', NAME]);
    const run = await runGo(state);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^go version go${MINI_VERSION.replace(/\./g, '\\.')} linux/`));
  });

  it('a file touched but not changed is refused on mount, verify says so, and --repair records it again', async () => {
    const [state, goroot] = await imported();
    const f = path.join(goroot, 'VERSION');
    utimesSync(f, new Date(), new Date());
    expect((await runGo(state)).code).toBe(125);
    const v = await verify(state);
    expect(v.code).toBe(1);
    expect(v.json.toolchains[0]!.findings).toEqual([expect.objectContaining({ kind: 'stamp', path: 'VERSION' })]);
    const fixed = await verify(state, '--repair');
    expect(fixed.code, fixed.stderr).toBe(0);
    const run = await runGo(state);
    expect(run.code, run.stderr).toBe(0);
  });
});

describe("a user's own store", () => {
  it('entries owned by the store\'s owner are trusted; another user\'s are not', async () => {
    const state = fx.newState();
    execFileSync('chown', [`${RUN_USER.uid}:${RUN_USER.uid}`, state]);
    const asUser = (args: string[]) => gobox(args, { cwd: '/tmp', user: RUN_USER.name, env: { GOBOX_STATE_DIR: state } });
    const imported = await asUser(['toolchain', 'import', fx.src()]);
    expect(imported.code, imported.stderr).toBe(0);
    const goroot = path.join(state, 'toolchains', NAME);
    expect(statSync(path.join(goroot, 'VERSION')).uid).toBe(RUN_USER.uid);
    const ok = await asUser(['toolchain', 'verify', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    chownSync(path.join(goroot, 'VERSION'), 23801, 23801);
    const bad = await asUser(['toolchain', 'verify', '--json']);
    expect(bad.code).toBe(3);
    const findings = (JSON.parse(bad.stdout) as VerifyJson).toolchains[0]!.findings;
    expect(findings).toContainEqual(expect.objectContaining({ class: 'untrusted', kind: 'owner', path: 'VERSION', detail: 'owned by uid 23801' }));
  });
});

describe('a toolchain installed before manifests existed', () => {
  it('verify says so (exit 4) and offers to record one; --record does, and runs still work meanwhile', async () => {
    const [state] = await imported();
    rmSync(path.join(state, 'toolchains', '.manifests', `${NAME}.json`));
    const text = await inState(state, ['toolchain', 'verify']);
    expect(text.code).toBe(4);
    expect(text.stdout).toMatch(new RegExp(`^${NAME}  no manifest  `));
    expect(text.stderr).toContain(`gobox: ${NAME} has no manifest (installed before gobox recorded them); record one: gobox toolchain verify --record ${MINI_VERSION}`);
    const run = await runGo(state);
    expect(run.code, run.stderr).toBe(0);
    const rec = await verify(state, '--record');
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.json.toolchains[0]).toEqual(expect.objectContaining({ status: 'ok', recorded: expect.stringMatching(/^h1:/) }));
  });
});

describe('bad input', () => {
  it('verify of a version that is not installed: one line, exit 4', async () => {
    const [state] = await imported();
    const r = await inState(state, ['toolchain', 'verify', '1.99.1']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`gobox: go1.99.1 is not installed in ${state}/toolchains; nothing was checked; see gobox toolchain list\n`);
  });

  it('a store on a read-only filesystem: verify still checks it; import and repair fail in one line, leaving nothing', async () => {
    const state = fx.newState();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128m,mode=0755', 'tmpfs', state]);
    try {
      expect((await inState(state, ['toolchain', 'import', fx.src()])).code).toBe(0);
      const goroot = path.join(state, 'toolchains', NAME);
      writeFileSync(path.join(goroot, 'VERSION'), `go${MINI_VERSION}\nX\n`);
      execFileSync('mount', ['-o', 'remount,ro', state]);
      const v = await verify(state);
      expect(v.code).toBe(1);
      const repair = await inState(state, ['toolchain', 'verify', '--repair']);
      expect(repair.code).toBe(1 | 4);
      expect(repair.stderr).toMatch(new RegExp(`^gobox: ${NAME}: cannot repair ${NAME}: read-only filesystem \\(${state}/toolchains/.+\\)$`, 'm'));
      const other = await inState(state, ['toolchain', 'import', '/usr/local/go']);
      expect(other.code).toBe(125);
      expect(other.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(lastLine(other.stderr)).toMatch(/^gobox: cannot import go[\d.]+: read-only filesystem \(.+\); the toolchain store is on a read-only filesystem; /);
      expect(execFileSync('ls', ['-A', path.join(state, 'toolchains')], { encoding: 'utf8' }).split('\n').filter(Boolean)).toEqual(['.manifests', NAME]);
      expect(lstatSync(goroot).isDirectory()).toBe(true);
    } finally {
      execFileSync('umount', ['-l', state]);
    }
  });
});

