import { cToolchainDeps, type CToolchainFacts } from './c-toolchain.js';
import type { ExternalParameters, Provenance, ResourceDescriptor } from './provenance-schema.js';
import { JAIL_BUILD_TYPE, SLSA_PROVENANCE_V1, STATEMENT_TYPE } from './provenance-schema.js';

/** Everything one jail build knows, gathered by build.ts; the record is a pure function of it. */
export interface BuildFacts {
  outputs: { name: string; sha256: string }[];
  external: ExternalParameters;
  goEnv: Record<string, unknown>;
  jail: Record<string, unknown>;
  toolchain: { version: string; dirHash: string };
  image: { ref: string; id: string };
  source: { dirHash: string; gitCommit?: string; excluded: string[] };
  /** go.sum's module lines (not the /go.mod ones). */
  modules: { path: string; version: string; h1: string }[];
  /** A cgo build's C toolchain (the profile pins it). */
  cToolchain?: CToolchainFacts;
  builder: { host: string; goboxVersion: string };
  invocationId: string;
  startedOn: Date;
  finishedOn: Date;
}

export const TOOLCHAIN_URI_PREFIX = 'pkg:golang/toolchain@go';
export const IMAGE_URI_PREFIX = 'oci-image:';

/** The in-toto Statement v1 with a SLSA v1 predicate for one jail build. */
export function buildProvenance(f: BuildFacts): Provenance {
  const deps: ResourceDescriptor[] = [
    { name: 'toolchain', uri: `${TOOLCHAIN_URI_PREFIX}${f.toolchain.version}`, digest: { dirHash: f.toolchain.dirHash } },
    { name: 'image', uri: `${IMAGE_URI_PREFIX}${f.image.ref}`, digest: { sha256: f.image.id.replace(/^sha256:/, '') } },
    {
      name: 'source',
      digest: { dirHash: f.source.dirHash, ...(f.source.gitCommit ? { gitCommit: f.source.gitCommit } : {}) },
      annotations: { excluded: f.source.excluded },
    },
    ...(f.cToolchain ? cToolchainDeps(f.cToolchain) : []),
    ...[...f.modules]
      .sort((a, b) => (a.path === b.path ? (a.version < b.version ? -1 : 1) : a.path < b.path ? -1 : 1))
      .map((m) => ({ name: `module:${m.path}`, uri: `pkg:golang/${m.path}@${m.version}`, digest: { dirHash: m.h1 } })),
  ];
  return {
    _type: STATEMENT_TYPE,
    subject: [...f.outputs].sort((a, b) => (a.name < b.name ? -1 : 1)).map((o) => ({ name: o.name, digest: { sha256: o.sha256 } })),
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: JAIL_BUILD_TYPE,
        externalParameters: { ...f.external },
        internalParameters: { goEnv: f.goEnv, jail: f.jail, gobox: f.builder.goboxVersion },
        resolvedDependencies: deps,
      },
      runDetails: {
        builder: { id: `https://gobox.dev/builder/host/${encodeURIComponent(f.builder.host)}`, version: { gobox: f.builder.goboxVersion } },
        metadata: { invocationId: f.invocationId, startedOn: f.startedOn.toISOString(), finishedOn: f.finishedOn.toISOString() },
      },
    },
  };
}

/** go.sum's module lines: "path version h1:..." without the "/go.mod" ones. */
export function goSumModules(text: string): { path: string; version: string; h1: string }[] {
  const seen = new Map<string, { path: string; version: string; h1: string }>();
  for (const line of text.split('\n')) {
    const [p, v, h] = line.trim().split(/\s+/);
    if (!p || !v || !h || v.endsWith('/go.mod')) continue;
    seen.set(`${p}@${v}`, { path: p, version: v, h1: h });
  }
  return [...seen.values()];
}
