import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProvenance, goSumModules, type BuildFacts } from './provenance.js';
import { JAIL_BUILD_TYPE, ProvenanceSchema, SLSA_PROVENANCE_V1, STATEMENT_TYPE } from './provenance-schema.js';
import { readProvenance } from './read-provenance.js';

const H1 = 'h1:rXWiT1qS5aJPQfJF+ku8D+jVYIGYDbRYujXVibY9jWM=';
const SHA = 'a'.repeat(64);

export function facts(over: Partial<BuildFacts> = {}): BuildFacts {
  return {
    outputs: [{ name: 'b', sha256: 'b'.repeat(64) }, { name: 'a', sha256: SHA }],
    external: { command: 'jail build', dir: '.', packages: ['./cmd/a', './cmd/b'], flags: ['-ldflags=-s'] },
    goEnv: { GOVERSION: 'go1.26.8', CGO_ENABLED: '0' },
    jail: { network: 'none' },
    toolchain: { version: '1.26.8', dirHash: H1 },
    image: { ref: 'gobox-base:bookworm', id: `sha256:${'c'.repeat(64)}` },
    source: { dirHash: H1, gitCommit: 'd'.repeat(40), excluded: ['.git', 'out'] },
    modules: [{ path: 'z.example/m', version: 'v1.0.0', h1: H1 }, { path: 'a.example/m', version: 'v0.1.0', h1: H1 }],
    builder: { host: 'build-1', goboxVersion: '0.1.0' },
    invocationId: 'f06723999f',
    startedOn: new Date('2026-01-02T03:04:05Z'),
    finishedOn: new Date('2026-01-02T03:05:05Z'),
    ...over,
  };
}

describe('buildProvenance', () => {
  it('is an in-toto Statement v1 with a SLSA v1 predicate, subjects sorted with sha256', () => {
    const p = buildProvenance(facts());
    expect(ProvenanceSchema.parse(p)).toEqual(p);
    expect(p._type).toBe(STATEMENT_TYPE);
    expect(p.predicateType).toBe(SLSA_PROVENANCE_V1);
    expect(p.subject).toEqual([{ name: 'a', digest: { sha256: SHA } }, { name: 'b', digest: { sha256: 'b'.repeat(64) } }]);
    expect(p.predicate.buildDefinition.buildType).toBe(JAIL_BUILD_TYPE);
    expect(p.predicate.buildDefinition.externalParameters).toEqual({ command: 'jail build', dir: '.', packages: ['./cmd/a', './cmd/b'], flags: ['-ldflags=-s'] });
    expect(p.predicate.runDetails.metadata).toEqual({ invocationId: 'f06723999f', startedOn: '2026-01-02T03:04:05.000Z', finishedOn: '2026-01-02T03:05:05.000Z' });
    expect(p.predicate.runDetails.builder.id).toBe('https://gobox.dev/builder/host/build-1');
  });

  it('resolves the toolchain, the image, the source and every go.sum module, with their digests', () => {
    const deps = buildProvenance(facts()).predicate.buildDefinition.resolvedDependencies!;
    expect(deps.map((d) => d.name)).toEqual(['toolchain', 'image', 'source', 'module:a.example/m', 'module:z.example/m']);
    expect(deps[0]).toEqual({ name: 'toolchain', uri: 'pkg:golang/toolchain@go1.26.8', digest: { dirHash: H1 } });
    expect(deps[1]).toEqual({ name: 'image', uri: 'oci-image:gobox-base:bookworm', digest: { sha256: 'c'.repeat(64) } });
    expect(deps[2]).toEqual({ name: 'source', digest: { dirHash: H1, gitCommit: 'd'.repeat(40) }, annotations: { excluded: ['.git', 'out'] } });
    expect(deps[3]).toEqual({ name: 'module:a.example/m', uri: 'pkg:golang/a.example/m@v0.1.0', digest: { dirHash: H1 } });
  });

  it('names a cgo build\'s C toolchain: the compiler with its --version line, and each Debian package with its version', () => {
    const st = buildProvenance(facts({ cToolchain: { compiler: 'gcc', versionLine: 'gcc (Debian 12.2.0-14) 12.2.0', packages: [{ name: 'gcc', version: '4:12.2.0-3' }, { name: 'libc6-dev', version: '2.36-9' }] } }));
    ProvenanceSchema.parse(st);
    const deps = st.predicate.buildDefinition.resolvedDependencies!;
    expect(deps).toContainEqual({ name: 'c-toolchain', uri: 'pkg:generic/gcc', annotations: { versionLine: 'gcc (Debian 12.2.0-14) 12.2.0', CC: 'gcc' } });
    expect(deps).toContainEqual({ name: 'c-toolchain:gcc', uri: 'pkg:deb/debian/gcc@4%3A12.2.0-3' });
    expect(deps).toContainEqual({ name: 'c-toolchain:libc6-dev', uri: 'pkg:deb/debian/libc6-dev@2.36-9' });
    expect(buildProvenance(facts()).predicate.buildDefinition.resolvedDependencies!.some((d) => d.name?.startsWith('c-toolchain'))).toBe(false);
  });

  it('leaves gitCommit out when the source is no checkout', () => {
    const p = buildProvenance(facts({ source: { dirHash: H1, excluded: ['.git'] } }));
    expect(p.predicate.buildDefinition.resolvedDependencies![2]!.digest).toEqual({ dirHash: H1 });
  });
});

describe('the schema holds the in-toto and SLSA field rules', () => {
  const good = () => JSON.parse(JSON.stringify(buildProvenance(facts()))) as Record<string, any>;
  it.each([
    ['a wrong _type', (p: any) => (p._type = 'https://in-toto.io/Statement/v0.1')],
    ['no subject', (p: any) => (p.subject = [])],
    ['a subject without digest', (p: any) => delete p.subject[0].digest],
    ['an upper-case sha256', (p: any) => (p.subject[0].digest.sha256 = 'A'.repeat(64))],
    ['an empty digest set', (p: any) => (p.subject[0].digest = {})],
    ['a wrong predicateType', (p: any) => (p.predicateType = 'https://slsa.dev/provenance/v0.2')],
    ['a buildType that is no URI', (p: any) => (p.predicate.buildDefinition.buildType = 'gobox jail')],
    ['a builder id that is no URI', (p: any) => (p.predicate.runDetails.builder.id = 'my laptop')],
    ['a timestamp that is not RFC 3339', (p: any) => (p.predicate.runDetails.metadata.startedOn = 'yesterday')],
    ['a dependency with neither uri nor digest', (p: any) => p.predicate.buildDefinition.resolvedDependencies.push({ name: 'x' })],
    ['a dirHash not in h1: form', (p: any) => (p.predicate.buildDefinition.resolvedDependencies[0].digest.dirHash = 'sha256:abc')],
    ['an unknown top-level field', (p: any) => (p.extra = 1)],
  ])('rejects %s', (_, spoil) => {
    const p = good();
    spoil(p);
    expect(ProvenanceSchema.safeParse(p).success).toBe(false);
  });
});

describe('readProvenance', () => {
  const write = (value: unknown) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'prov-')), 'provenance.json');
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const good = () => JSON.parse(JSON.stringify(buildProvenance(facts()))) as Record<string, any>;

  it('reads what the builder wrote', async () => {
    const r = await readProvenance(write(good()));
    expect(r.toolchain).toEqual({ version: '1.26.8', dirHash: H1 });
    expect(r.image).toEqual({ ref: 'gobox-base:bookworm', sha256: 'c'.repeat(64) });
    expect(r.source.excluded).toEqual(['.git', 'out']);
  });

  it('refuses what is not JSON, an unknown buildType, unknown parameters, and a missing toolchain', async () => {
    await expect(readProvenance(write('{not json'))).rejects.toThrow(/: not JSON/);
    const bt = good();
    bt.predicate.buildDefinition.buildType = 'https://example.com/other/v1';
    await expect(readProvenance(write(bt))).rejects.toThrow('unknown buildType https://example.com/other/v1');
    const ext = good();
    ext.predicate.buildDefinition.externalParameters.env = { GOFLAGS: '-x' };
    await expect(readProvenance(write(ext))).rejects.toThrow('unknown externalParameters env; refused');
    const noTc = good();
    noTc.predicate.buildDefinition.resolvedDependencies.shift();
    await expect(readProvenance(write(noTc))).rejects.toThrow(/must name the toolchain/);
    const escape = good();
    escape.predicate.buildDefinition.resolvedDependencies[2].annotations.excluded = ['../../etc'];
    await expect(readProvenance(write(escape))).rejects.toThrow(/inside the source/);
  });
});

describe('goSumModules', () => {
  it('keeps module lines, not /go.mod ones, once each', () => {
    const text = `a.example/m v1.0.0 ${H1}\na.example/m v1.0.0/go.mod ${H1}\n\nb.example/m v0.2.0 ${H1}\n`;
    expect(goSumModules(text)).toEqual([{ path: 'a.example/m', version: 'v1.0.0', h1: H1 }, { path: 'b.example/m', version: 'v0.2.0', h1: H1 }]);
  });
});
