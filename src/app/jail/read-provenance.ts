import { readFile } from 'node:fs/promises';
import { UsageError } from '../../common/errors.js';
import { IMAGE_URI_PREFIX, TOOLCHAIN_URI_PREFIX } from './provenance.js';
import {
  EXTERNAL_PARAMETER_KEYS, ExternalParametersSchema, JAIL_BUILD_TYPE, ProvenanceSchema,
  type ExternalParameters, type Provenance,
} from './provenance-schema.js';

export interface ReadProvenance {
  file: string;
  statement: Provenance;
  external: ExternalParameters;
  toolchain: { version: string; dirHash: string };
  image: { ref: string; sha256: string };
  source: { dirHash: string; gitCommit?: string; excluded: string[] };
}

function bad(file: string, what: string): UsageError {
  return new UsageError(`${file}: ${what}`, { hint: 'verify takes the provenance.json a gobox jail build wrote' });
}

/**
 * Reads and checks a provenance record before anything is rebuilt: JSON, the in-toto and SLSA
 * field rules, gobox's build type, and only the externalParameters this build type knows
 * (SLSA: a verifier must refuse parameters it does not understand).
 */
export async function readProvenance(file: string): Promise<ReadProvenance> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`provenance ${file} cannot be read: ${e.code ?? e.message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(file, `not JSON (${(e as Error).message})`);
  }
  const bt = (json as { predicate?: { buildDefinition?: { buildType?: unknown } } } | null)?.predicate?.buildDefinition?.buildType;
  if (typeof bt === 'string' && bt !== JAIL_BUILD_TYPE) throw bad(file, `unknown buildType ${bt} (this gobox knows ${JAIL_BUILD_TYPE})`);
  const parsed = ProvenanceSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw bad(file, `not an in-toto Statement v1 with SLSA v1 provenance: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const st = parsed.data;
  const params = st.predicate.buildDefinition.externalParameters;
  const unknown = Object.keys(params).filter((k) => !(EXTERNAL_PARAMETER_KEYS as readonly string[]).includes(k));
  if (unknown.length) throw bad(file, `unknown externalParameters ${unknown.join(', ')}; refused, as SLSA asks of a verifier`);
  const ext = ExternalParametersSchema.safeParse(params);
  if (!ext.success) {
    const issue = ext.error.issues[0]!;
    throw bad(file, `externalParameters.${issue.path.join('.')}: ${issue.message}`);
  }
  const deps = st.predicate.buildDefinition.resolvedDependencies ?? [];
  const tc = deps.find((d) => d.name === 'toolchain' && d.uri?.startsWith(TOOLCHAIN_URI_PREFIX) && d.digest?.dirHash);
  const img = deps.find((d) => d.name === 'image' && d.uri?.startsWith(IMAGE_URI_PREFIX) && d.digest?.sha256);
  const src = deps.find((d) => d.name === 'source' && d.digest?.dirHash);
  if (!tc || !img || !src) throw bad(file, 'resolvedDependencies must name the toolchain, the image and the source with their digests');
  const excludedRaw = src.annotations?.excluded;
  const excluded = Array.isArray(excludedRaw) ? excludedRaw.filter((x): x is string => typeof x === 'string') : ['.git'];
  if (excluded.some((x) => x.startsWith('/') || x.split('/').includes('..'))) throw bad(file, 'source annotations.excluded must name paths inside the source');
  return {
    file,
    statement: st,
    external: ext.data,
    toolchain: { version: tc.uri!.slice(TOOLCHAIN_URI_PREFIX.length), dirHash: tc.digest!.dirHash! },
    image: { ref: img.uri!.slice(IMAGE_URI_PREFIX.length), sha256: img.digest!.sha256! },
    source: { dirHash: src.digest!.dirHash!, ...(src.digest?.gitCommit ? { gitCommit: src.digest.gitCommit } : {}), excluded },
  };
}
