import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvenanceSchema } from '../../src/app/jail/provenance-schema.js';
import { daemonSandboxes, fingerprint, privateDirOf, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { shared } from '../helpers/env.js';
import { gitModule, STAMPED } from '../helpers/jail.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * Issue 11 on a shared host: users outside the docker group build, fetch and verify through the
 * daemon. The build runs as the caller under the jail contract, the outputs are the caller's,
 * the record is signed with a key only root can read; and the daemon lends no user a directory
 * of another's: not as an out dir, not as a project, not as a source to verify.
 */
const A = { name: 'gobox-jl2-a', uid: 24200 };
const B = { name: 'gobox-jl2-b', uid: 24201 };
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function idOf(u: { name: string; uid: number }): { name: string; uid: number; gid: number } {
  ensureTestUser(u, { docker: false });
  const groups = execFileSync('id', ['-nG', u.name], { encoding: 'utf8' }).trim().split(/\s+/);
  if (groups.includes('docker')) execFileSync('gpasswd', ['-d', u.name, 'docker'], { stdio: 'ignore' });
  return { ...u, gid: Number(execFileSync('id', ['-g', u.name], { encoding: 'utf8' }).trim()) };
}

describe('gobox jail through the shared-host daemon', () => {
  let d: TestDaemon;
  let a: ReturnType<typeof idOf>;
  let b: ReturnType<typeof idOf>;
  let keyDir: string;
  let dirA: string;
  let dirB: string;
  let privB: string;
  let before = '';
  const staleStage = path.join(shared.stateDir, 'jail-stage', `${A.uid}-stale`);

  beforeAll(async () => {
    a = idOf(A);
    b = idOf(B);
    // The host's signing key: root's alone (0600), so a user cannot sign a record themselves.
    keyDir = mkdtempSync('/tmp/gobox-it-jl2-key-');
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path.join(keyDir, 'host.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    // A stage a daemon that died mid-build left behind (its half-written output included).
    mkdirSync(path.join(staleStage, 'out', 'bin'), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(staleStage, 'out', 'bin', 'half'), 'partial output');
    d = await startTestDaemon([a.name, b.name], `serve:\n  users: [${a.name}, ${b.name}]\nmaxLimits:\n  memory: 4g\n  timeout: 1h\npolicy:\n  maxSandboxes: 3\njail:\n  signingKey: ${path.join(keyDir, 'host.key')}\n`);
    dirA = gitModule(STAMPED, a);
    // B's module, readable by everyone, writable by B only; and B's private 0700 dir.
    dirB = gitModule(STAMPED, b);
    chmodSync(dirB, 0o755);
    privB = privateDirOf(b);
    writeFileSync(path.join(privB, 'inner', 'go.mod'), 'module example.com/secret\n\ngo 1.19\n');
    writeFileSync(path.join(privB, 'inner', 'main.go'), 'package main\n\nfunc main() {}\n');
    execFileSync('chown', ['-R', `${b.uid}:${b.gid}`, privB]);
    before = fingerprint([dirB, privB]);
  }, 600_000);

  afterAll(async () => {
    await d?.stop();
    if (d) expect(daemonSandboxes(d)).toEqual([]);
    // Nothing of B's changed, whatever A tried; the daemon's stages are gone.
    if (before) expect(fingerprint([dirB, privB])).toBe(before);
    const stages = path.join(shared.stateDir, 'jail-stage');
    if (existsSync(stages)) expect(readdirSync(stages).filter((n) => n.startsWith(`${A.uid}-`) || n.startsWith(`${B.uid}-`))).toEqual([]);
  });

  it('fetches, builds as the caller with the jail contract, signs with root\'s key, and verify rebuilds it', async () => {
    const fetch = await d.run(a.name, ['jail', 'fetch'], { cwd: dirA });
    expect(fetch.stderr).toBe('');
    expect(fetch.code).toBe(0);

    const build = await d.run(a.name, ['jail', 'build'], { cwd: dirA });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const out = path.join(dirA, 'out');
    const bin = path.join(out, 'stamped');
    expect(build.stdout).toBe(`${sha256(bin)}  stamped\nprovenance: ${out}/provenance.json\nsigned: ${out}/provenance.dsse.json\n`);
    // Everything in the out dir is the caller's, though root's daemon built it.
    for (const f of ['', 'stamped', 'provenance.json', 'provenance.dsse.json']) expect(statSync(path.join(out, f)).uid).toBe(a.uid);
    expect(readdirSync(out).sort()).toEqual(['provenance.dsse.json', 'provenance.json', 'stamped']);
    expect(execFileSync(bin, { encoding: 'utf8' })).toBe('built unset\n');

    const prov = ProvenanceSchema.parse(JSON.parse(readFileSync(path.join(out, 'provenance.json'), 'utf8')));
    expect(prov.subject).toEqual([{ name: 'stamped', digest: { sha256: sha256(bin) } }]);
    const def = prov.predicate.buildDefinition;
    const jail = (def.internalParameters as { jail: { network: string; moduleCacheReadOnly: boolean; env: Record<string, string> } }).jail;
    expect(jail.network).toBe('none');
    expect(jail.moduleCacheReadOnly).toBe(true);
    expect(jail.env).toMatchObject({ GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '-mod=readonly -trimpath', SOURCE_DATE_EPOCH: '1704164645' });
    const goEnv = (def.internalParameters as { goEnv: Record<string, string> }).goEnv;
    expect(goEnv.GOTOOLCHAIN).toBe('local');
    expect(def.resolvedDependencies?.find((r) => r.name === 'toolchain')?.uri).toBe(`pkg:golang/toolchain@go${shared.goNew}`);
    expect(def.resolvedDependencies?.find((r) => r.name === 'source')?.digest?.gitCommit).toMatch(/^[0-9a-f]{40}$/);
    // The audit log names the build and its user.
    expect(d.audit().some((e) => e.event === 'jail' && e.user === a.name && (e.command as string[])[1] === 'build')).toBe(true);
    // ... and how it ended: the outputs it delivered, with their digests.
    const ends = d.audit().filter((e) => e.event === 'jail-end' && e.user === a.name);
    expect(ends.map((e) => [e.action, e.exitCode])).toEqual(expect.arrayContaining([['fetch', 0], ['build', 0]]));
    expect(ends.find((e) => e.action === 'build')?.subjects).toEqual([{ name: 'stamped', sha256: sha256(bin) }]);
    // The stage a dead daemon left was removed when this one started.
    expect(existsSync(staleStage)).toBe(false);
    // The user cannot read the key that signed it.
    expect(() => execFileSync('runuser', ['-u', a.name, '--', 'cat', path.join(keyDir, 'host.key')], { stdio: 'ignore' })).toThrow();

    const verify = await d.run(a.name, ['jail', 'verify', 'out/provenance.json'], { cwd: dirA });
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toMatch(/^rebuilt as uid 65532 in a fresh jail\nsignature ok: key [0-9a-f]{64}\nok {2}stamped {2}[0-9a-f]{64}\n$/);
    expect(verify.code).toBe(0);
    // The daemon rebuilt it as its rebuild uid, not as the caller, and says so in its audit log.
    expect(d.audit().filter((e) => e.event === 'jail-end' && e.user === a.name && e.action === 'build').map((e) => e.reason).slice(-2)).toEqual(['built', 'rebuilt as uid 65532']);
  }, 900_000);

  it('detects a tampered output through the daemon and names it', async () => {
    const out = path.join(dirA, 'out');
    const bin = path.join(out, 'stamped');
    const copy = readFileSync(bin);
    writeFileSync(bin, Buffer.concat([copy, Buffer.from('x')]));
    const r = await d.run(a.name, ['jail', 'verify', 'out/provenance.json'], { cwd: dirA });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('MISMATCH  stamped');
    expect(r.stdout).toContain('stamped was changed after the build');
    writeFileSync(bin, copy);
  }, 900_000);

  it('names why a binary does not match its record, with go version -m run by the daemon, and a record edited after signing', async () => {
    const dir = gitModule(STAMPED, a);
    const one = await d.run(a.name, ['jail', 'build', '--', '-tags=one', '.'], { cwd: dir });
    expect(one.code, one.stderr).toBe(0);
    const out2 = mkdtempSync('/tmp/gobox-it-jl2-out2-');
    execFileSync('chown', [`${a.uid}:${a.gid}`, out2]);
    const two = await d.run(a.name, ['jail', 'build', '-o', out2, '--', '-tags=two', '.'], { cwd: dir });
    expect(two.code, two.stderr).toBe(0);
    // A record of "one" beside a binary (and digest) of "two".
    const provFile = path.join(dir, 'out', 'provenance.json');
    const oldSha = sha256(path.join(dir, 'out', 'stamped'));
    writeFileSync(path.join(dir, 'out', 'stamped'), readFileSync(path.join(out2, 'stamped')));
    writeFileSync(provFile, readFileSync(provFile, 'utf8').replace(oldSha, sha256(path.join(dir, 'out', 'stamped'))));
    const v = await d.run(a.name, ['jail', 'verify', 'out/provenance.json'], { cwd: dir });
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`problem: ${path.join(dir, 'out', 'provenance.dsse.json')} signs another record than ${provFile}\n`);
    expect(v.stdout).toContain(`MISMATCH  stamped  ${sha256(path.join(dir, 'out', 'stamped'))}\n`);
    expect(v.stdout).toContain('  build setting -tags: recorded binary "two", rebuild "one"\n');
  }, 900_000);

  it('writes no output into another user\'s directory, through -o, a symlink, or their project', async () => {
    const intoB = await d.run(a.name, ['jail', 'build', '-o', path.join(dirB, 'out')], { cwd: dirA });
    expect(intoB.code).toBe(125);
    expect(intoB.stderr).toMatch(/^gobox: out dir .* cannot be made: EACCES\n/);

    const link = path.join(mkdtempSync('/tmp/gobox-it-jl2-link-'), 'out');
    execFileSync('chown', [`${a.uid}:${a.gid}`, path.dirname(link)]);
    symlinkSync(path.join(dirB), link);
    const viaLink = await d.run(a.name, ['jail', 'build', '-o', link], { cwd: dirA });
    expect(viaLink.code).toBe(125);
    expect(viaLink.stderr).toMatch(/is a symlink/);

    // B's project is world-readable, so A may build it: but its out dir is B's, and stays untouched.
    const inB = await d.run(a.name, ['jail', 'build'], { cwd: dirB });
    expect(inB.code).toBe(125);
    expect(inB.stderr).toMatch(/^gobox: out dir .* cannot be made: EACCES\n/);
    expect(existsSync(path.join(dirB, 'out'))).toBe(false);
  }, 900_000);

  it('reads no project of another user: neither to build nor as the source to verify', async () => {
    const build = await d.run(a.name, ['jail', 'build', '-o', '/tmp/gobox-it-jl2-never'], { cwd: path.join(privB, 'inner') });
    expect(build.code).toBe(125);
    expect(build.stderr).toMatch(/refused project directory .*: you cannot reach it/);
    expect(existsSync('/tmp/gobox-it-jl2-never')).toBe(false);
    expect(build.stdout + build.stderr).not.toContain('TOP-SECRET');

    // The record is A's; the source named is B's private dir, which A cannot read.
    const verify = await d.run(a.name, ['jail', 'verify', path.join(dirA, 'out', 'provenance.json'), '--source', path.join(privB, 'inner')], { cwd: dirA });
    expect(verify.code).toBe(125);
    expect(verify.stdout + verify.stderr).not.toContain('TOP-SECRET');
    expect(verify.stderr).toMatch(/EACCES|permission denied|does not exist/);
  }, 900_000);
});
