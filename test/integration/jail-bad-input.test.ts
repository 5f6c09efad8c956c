import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProvenance } from '../../src/app/jail/provenance.js';
import { gobox, makeModule, sandboxesWith } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { gitModule, jailUsers, STAMPED, tidied } from '../helpers/jail.js';
import { hostConfig, startPrivateProxy, type PrivateProxy } from '../fixtures/proxy/private-proxy.js';

const H1 = 'h1:rXWiT1qS5aJPQfJF+ku8D+jVYIGYDbRYujXVibY9jWM=';

/** A well-formed record of a build that never happened, to spoil one field at a time. */
function record(over: { toolchain?: string } = {}): Record<string, any> {
  const p = buildProvenance({
    outputs: [{ name: 'stamped', sha256: 'a'.repeat(64) }],
    external: { command: 'jail build', dir: '.', packages: ['.'], flags: [] },
    goEnv: {},
    jail: {},
    toolchain: { version: over.toolchain ?? shared.goNew, dirHash: H1 },
    image: { ref: 'gobox-base:bookworm', id: `sha256:${'c'.repeat(64)}` },
    source: { dirHash: H1, excluded: ['.git', 'out'] },
    modules: [],
    builder: { host: 'elsewhere', goboxVersion: '0.1.0' },
    invocationId: 'x1',
    startedOn: new Date(),
    finishedOn: new Date(),
  });
  return JSON.parse(JSON.stringify(p)) as Record<string, any>;
}

function writeRecord(value: unknown): string {
  const dir = mkdtempSync('/tmp/gobox-it-jailprov-');
  // The test user who verifies reads it.
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'provenance.json');
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value), { mode: 0o644 });
  return file;
}

/** Issue 11, bad input: each one clear line, a non-zero exit, and nothing written outside the out dir. */
describe('gobox jail: bad input', () => {
  let users: { name: string; uid: number; gid: number }[];
  let pp: PrivateProxy;

  beforeAll(async () => {
    users = jailUsers();
    pp = await startPrivateProxy();
  });
  afterAll(async () => {
    await pp?.proxy.close();
  });

  it('no go.mod: build and fetch say so in one line and make nothing', async () => {
    const a = users[0]!;
    const dir = makeModule({ 'main.go': STAMPED['main.go'] }, a);
    for (const action of ['build', 'fetch']) {
      const r = await gobox(['jail', action], { cwd: dir, user: a.name });
      expect(r.stderr).toMatch(new RegExp(`^gobox: no go.mod in ${dir} or any directory above it; .*\\n$`));
      expect(r.code).toBe(125);
    }
    expect(readdirSync(dir)).toEqual(['main.go']);
    expect(sandboxesWith(`gobox.owner=${a.uid}`)).toEqual([]);
  });

  it('a go.sum that does not match a module: fetch names the module in one line', async () => {
    const a = users[0]!;
    const tidy = await tidied(pp.consumer, { url: pp.proxy.url, caFile: pp.ca.caFile });
    const sum = tidy['go.sum'];
    const line = sum.split('\n').find((l) => l.startsWith(pp.tagged) && !l.includes('/go.mod'))!;
    const good = line.split(' ')[2]!;
    const bad = `h1:${'A'.repeat(43)}=`;
    const dir = gitModule({ ...pp.consumer, 'go.mod': tidy['go.mod'], 'go.sum': sum.replace(line, line.replace(good, bad)) }, a);
    const config = hostConfig(`ca: ${pp.ca.caFile}\nenv:\n  GOPROXY: ${pp.proxy.url}\n  GOSUMDB: "off"\n`);
    chmodSync(path.dirname(config), 0o755);
    // Root writes the merged CA bundle into the shared state dir once, as an administrator's first run does.
    expect((await gobox(['env'], { cwd: dir, env: { GOBOX_CONFIG: config } })).code).toBe(0);
    const r = await gobox(['jail', 'fetch'], { cwd: dir, user: a.name, env: { GOBOX_CONFIG: config } });
    expect(r.stderr).toBe(`gobox: go.sum does not match module ${pp.tagged}@v1.0.0: downloaded ${good}, go.sum says ${bad}\n`);
    expect(r.code).toBe(1);
  });

  it('provenance that is not JSON, has an unknown buildType or parameters, or names a toolchain not installed', async () => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    const run = (file: string) => gobox(['jail', 'verify', file], { cwd: dir, user: a.name });
    const hint = '; verify takes the provenance.json a gobox jail build wrote\n';

    const notJson = writeRecord('{"_type": ');
    const r1 = await run(notJson);
    expect(r1.stderr).toMatch(new RegExp(`^gobox: ${notJson}: not JSON \\([^\\n]+\\); verify takes the provenance.json a gobox jail build wrote\\n$`));
    expect(r1.code).toBe(125);

    const bt = record();
    bt.predicate.buildDefinition.buildType = 'https://slsa-framework.example/go/v1';
    const f2 = writeRecord(bt);
    const r2 = await run(f2);
    expect(r2.stderr).toBe(`gobox: ${f2}: unknown buildType https://slsa-framework.example/go/v1 (this gobox knows https://gobox.dev/jail-build/v1)${hint}`);
    expect(r2.code).toBe(125);

    const params = record();
    params.predicate.buildDefinition.externalParameters.toolexec = '/bin/true';
    const f3 = writeRecord(params);
    const r3 = await run(f3);
    expect(r3.stderr).toBe(`gobox: ${f3}: unknown externalParameters toolexec; refused, as SLSA asks of a verifier${hint}`);
    expect(r3.code).toBe(125);

    const f4 = writeRecord(record({ toolchain: '1.18.99' }));
    const r4 = await run(f4);
    expect(r4.stderr).toBe(`gobox: toolchain go1.18.99 named in ${f4} is not installed; install it: gobox toolchain install 1.18.99 (or gobox toolchain import a GOROOT of go1.18.99)\n`);
    expect(r4.code).toBe(125);

    const f5 = writeRecord({ ...record(), predicateType: 'https://slsa.dev/provenance/v0.2' });
    const r5 = await run(f5);
    expect(r5.stderr).toMatch(new RegExp(`^gobox: ${f5}: not an in-toto Statement v1 with SLSA v1 provenance: predicateType: .*\\n$`));
    expect(r5.code).toBe(125);
    expect(sandboxesWith(`gobox.owner=${a.uid}`)).toEqual([]);
  });

  it('an out dir that is a symlink, or not writable, is refused in one line and nothing is written', async () => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    const elsewhere = mkdtempSync('/tmp/gobox-it-jailelse-');
    chownSync(elsewhere, a.uid, a.gid);
    const link = path.join(dir, 'out');
    symlinkSync(elsewhere, link);
    const r1 = await gobox(['jail', 'build'], { cwd: dir, user: a.name });
    expect(r1.stderr).toBe(`gobox: out dir ${link} is a symlink; a jail build writes only into a real directory; name the directory itself with -o\n`);
    expect(r1.code).toBe(125);
    expect(readdirSync(elsewhere)).toEqual([]);

    const rootOwned = mkdtempSync('/tmp/gobox-it-jailroot-');
    const r2 = await gobox(['jail', 'build', '-o', rootOwned], { cwd: dir, user: a.name });
    expect(r2.stderr).toBe(`gobox: out dir ${rootOwned} is not writable; choose a directory you can write with -o\n`);
    expect(r2.code).toBe(125);
    expect(readdirSync(rootOwned)).toEqual([]);
    expect(sandboxesWith(`gobox.owner=${a.uid}`)).toEqual([]);
  });

  it('a source changed between build and verify is named in one line', async () => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    const b = await gobox(['jail', 'build'], { cwd: dir, user: a.name });
    expect(b.code).toBe(0);
    const prov = JSON.parse(readFileSync(path.join(dir, 'out', 'provenance.json'), 'utf8'));
    const source = prov.predicate.buildDefinition.resolvedDependencies.find((d: { name: string }) => d.name === 'source');
    writeFileSync(path.join(dir, 'main.go'), STAMPED['main.go'].replace('"unset"', '"changed"'));
    const v = await gobox(['jail', 'verify', 'out/provenance.json'], { cwd: dir, user: a.name });
    expect(v.stderr).toMatch(new RegExp(`^gobox: source ${dir} is not the source that was built: its tree digest is h1:\\S+, the provenance says ${source.digest.dirHash.replace(/[+/]/g, '\\$&')}; check out commit ${source.digest.gitCommit} with no local changes, or name it with --source\\n$`));
    expect(v.code).toBe(125);
    expect(existsSync(path.join(dir, 'out', 'stamped'))).toBe(true);
  }, 300_000);
});

