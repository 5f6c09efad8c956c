import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvenanceSchema } from '../../src/app/jail/provenance-schema.js';
import { gobox } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { copyTo, gitModule, jailUsers, STAMPED, tidied } from '../helpers/jail.js';
import { hostConfig, startPrivateProxy, type PrivateProxy } from '../fixtures/proxy/private-proxy.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

/**
 * Issue 11, the release workflow end to end: a module with dependencies from a test proxy and a
 * real go.sum; fetch, then build in two directories as two users gives the same bytes, and
 * verify rebuilds it; tampering and a build that does not match its record are named.
 */
describe('gobox jail fetch, build and verify', () => {
  let users: { name: string; uid: number; gid: number }[];
  let pp: PrivateProxy;
  let config: string;
  let files: Record<string, string>;

  beforeAll(async () => {
    users = jailUsers();
    pp = await startPrivateProxy();
    config = hostConfig(`ca: ${pp.ca.caFile}\nenv:\n  GOPROXY: ${pp.proxy.url}\n  GOSUMDB: "off"\n`);
    // The test users read it too; root writes the merged CA bundle into the shared state dir once,
    // as an administrator's first run does (a user cannot write root's state dir).
    chmodSync(path.dirname(config), 0o755);
    expect((await gobox(['env'], { cwd: gitModule(STAMPED, jailUsers()[0]!), env: { GOBOX_CONFIG: config } })).code).toBe(0);
    files = { ...pp.consumer, ...(await tidied(pp.consumer, { url: pp.proxy.url, caFile: pp.ca.caFile })) };
  });
  afterAll(async () => {
    await pp?.proxy.close();
  });

  it('builds offline only after fetch, byte-identical as two users in two directories, and verify passes', async () => {
    const [a, b] = [users[0]!, users[1]!];
    const dirA = gitModule(files, a);
    const dirB = copyTo(dirA, b);
    const env = { GOBOX_CONFIG: config };

    // Offline before fetch: one line naming a module and the fix.
    const early = await gobox(['jail', 'build'], { cwd: dirA, user: a.name, env });
    expect(early.stderr).toMatch(/^gobox: module gobox\.test\/\S+@v\S+ is not in your module cache; run gobox jail fetch \(with network\) first\n$/);
    expect(early.code).toBe(125);

    for (const [u, dir] of [[a, dirA], [b, dirB]] as const) {
      // B's fetch is root's on B's behalf: root's runs give a user the hard-limited cache, and
      // B's cache must be that one already when root verifies as B below (a soft cache root
      // meets is moved into a hard one first, with progress lines verify's output would show).
      const fetch = u === b
        ? await gobox(['jail', 'fetch'], { cwd: dir, env: { ...env, GOBOX_USER: `${b.uid}:${b.gid}` } })
        : await gobox(['jail', 'fetch'], { cwd: dir, user: u.name, env });
      expect(fetch.stderr).toBe('');
      expect(fetch.code).toBe(0);
      const requestsBefore = pp.proxy.requests.length;
      const build = await gobox(['jail', 'build'], { cwd: dir, user: u.name, env });
      expect(build.stderr).toBe('');
      expect(build.code).toBe(0);
      // The build itself asked the proxy nothing.
      expect(pp.proxy.requests.length).toBe(requestsBefore);
      expect(build.stdout).toBe(`${sha256(path.join(dir, 'out', 'consumer'))}  consumer\nprovenance: ${path.join(dir, 'out', 'provenance.json')}\n`);
    }
    const binA = path.join(dirA, 'out', 'consumer');
    const binB = path.join(dirB, 'out', 'consumer');
    expect(readFileSync(binA).equals(readFileSync(binB))).toBe(true);
    expect(execFileSync(binA, { encoding: 'utf8' })).toBe('hello from the private proxy\nand a wave from @latest\n');

    // The provenance: field rules, then what it must say.
    const pa = ProvenanceSchema.parse(readJson(path.join(dirA, 'out', 'provenance.json')));
    const pb = ProvenanceSchema.parse(readJson(path.join(dirB, 'out', 'provenance.json')));
    expect(pa.subject).toEqual([{ name: 'consumer', digest: { sha256: sha256(binA) } }]);
    expect(pb.subject).toEqual(pa.subject);
    const def = pa.predicate.buildDefinition;
    expect(def.buildType).toBe('https://gobox.dev/jail-build/v1');
    expect(def.externalParameters).toEqual({ command: 'jail build', dir: '.', packages: ['.'], flags: [] });
    expect(def.resolvedDependencies).toEqual(pb.predicate.buildDefinition.resolvedDependencies);
    const deps = def.resolvedDependencies!;
    expect(deps.find((d) => d.name === 'toolchain')?.uri).toBe(`pkg:golang/toolchain@go${shared.goNew}`);
    const commit = execFileSync('git', ['-c', 'safe.directory=*', '-C', dirA, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(deps.find((d) => d.name === 'source')?.digest?.gitCommit).toBe(commit);
    const image = execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', 'gobox-base:bookworm'], { encoding: 'utf8' }).trim();
    expect(deps.find((d) => d.name === 'image')?.digest?.sha256).toBe(image.replace('sha256:', ''));
    const sums = files['go.sum']!.split('\n').filter((l) => l && !l.split(' ')[1]!.endsWith('/go.mod')).map((l) => l.split(' '));
    expect(sums.length).toBe(2);
    for (const [mod, version, h1] of sums) {
      expect(deps).toContainEqual({ name: `module:${mod}`, uri: `pkg:golang/${mod}@${version}`, digest: { dirHash: h1 } });
    }
    expect(def.internalParameters).toMatchObject({ goEnv: { CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -trimpath', GOPROXY: 'off', GOVERSION: `go${shared.goNew}` }, jail: { network: 'none', sourceReadOnly: true } });
    expect(pa.predicate.runDetails.metadata?.invocationId).not.toBe(pb.predicate.runDetails.metadata?.invocationId);

    // Root verifies A's build with B's modules, rebuilding as another uid than both, in a fresh copy at another path.
    const v = await gobox(['jail', 'verify', 'out/provenance.json', '--json'], { cwd: dirA, env: { GOBOX_USER: `${b.uid}:${b.gid}` } });
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    const report = JSON.parse(v.stdout) as { ok: boolean; rebuiltAs: { uid: number }; subjects: { name: string; match: boolean; rebuilt: string }[]; toolchain: { match: boolean }; image: { match: boolean } };
    expect(report.ok).toBe(true);
    expect(report.rebuiltAs).toEqual({ uid: 65532, gid: 65532 });
    expect(report.toolchain.match && report.image.match).toBe(true);
    expect(report.subjects).toEqual([expect.objectContaining({ name: 'consumer', match: true, rebuilt: sha256(binA) })]);

    // Tampering with the output, then with the provenance, is found and named.
    const tampered = mkdtempSync('/tmp/gobox-it-jailtamper-');
    cpSync(path.join(dirA, 'out'), tampered, { recursive: true });
    chmodSync(tampered, 0o755);
    const bin = readFileSync(path.join(tampered, 'consumer'));
    bin.writeUInt8(bin.readUInt8(bin.length - 1) ^ 0xff, bin.length - 1);
    writeFileSync(path.join(tampered, 'consumer'), bin);
    const t1 = await gobox(['jail', 'verify', path.join(tampered, 'provenance.json'), '--source', dirA], { cwd: dirA, user: a.name });
    expect(t1.stderr).toBe(`gobox: verify failed: the rebuild does not reproduce ${path.join(tampered, 'provenance.json')}\n`);
    expect(t1.code).toBe(1);
    expect(t1.stdout).toContain(`consumer was changed after the build: its sha256 ${sha256(path.join(tampered, 'consumer'))} is not the recorded ${sha256(binA)}`);
    expect(t1.stderr).toBe(`gobox: verify failed: the rebuild does not reproduce ${path.join(tampered, 'provenance.json')}\n`);

    cpSync(binA, path.join(tampered, 'consumer'));
    const prov = readFileSync(path.join(tampered, 'provenance.json'), 'utf8');
    writeFileSync(path.join(tampered, 'provenance.json'), prov.replace(sha256(binA), 'e'.repeat(64)));
    const t2 = await gobox(['jail', 'verify', path.join(tampered, 'provenance.json'), '--source', dirA], { cwd: dirA, user: a.name });
    expect(t2.code).toBe(1);
    expect(t2.stdout).toContain("the provenance's sha256 for consumer was altered: the file beside it matches the rebuild");
  }, 900_000);

  it('names the cause when a binary does not match its build: the build settings go version -m shows, and the first differing section', async () => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    const one = await gobox(['jail', 'build', '-o', 'out', '--', '-tags=one', '-ldflags=-X main.built=1', '.'], { cwd: dir, user: a.name });
    expect(one.code).toBe(0);
    // Outside the source: the source must stay as built for verify.
    const out2 = mkdtempSync('/tmp/gobox-it-jailout2-');
    chownSync(out2, a.uid, a.gid);
    const two = await gobox(['jail', 'build', '-o', out2, '--', '-tags=two', '-ldflags=-X main.built=2', '.'], { cwd: dir, user: a.name });
    expect(two.code).toBe(0);
    expect(execFileSync(path.join(out2, 'stamped'), { encoding: 'utf8' })).toBe('built 2\n');
    // A record that says "built=1" beside a binary (and digest) of "built=2": someone built it otherwise.
    const provFile = path.join(dir, 'out', 'provenance.json');
    const oldSha = sha256(path.join(dir, 'out', 'stamped'));
    cpSync(path.join(out2, 'stamped'), path.join(dir, 'out', 'stamped'));
    writeFileSync(provFile, readFileSync(provFile, 'utf8').replace(oldSha, sha256(path.join(dir, 'out', 'stamped'))));
    const v = await gobox(['jail', 'verify', 'out/provenance.json'], { cwd: dir, user: a.name });
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`MISMATCH  stamped  ${sha256(path.join(dir, 'out', 'stamped'))}\n`);
    expect(v.stdout).toContain('  build setting -tags: recorded binary "two", rebuild "one"\n');
    // Not the build ID (which differs whenever anything does): a section with content.
    expect(v.stdout).toMatch(/ {2}first difference: section \.(?!note\.go\.buildid)\S+\n/);
    const j = await gobox(['jail', 'verify', 'out/provenance.json', '--json'], { cwd: dir, user: a.name });
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, subjects: [{ name: 'stamped', match: false }] });
  }, 900_000);
});
