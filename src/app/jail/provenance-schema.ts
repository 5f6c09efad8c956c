import { z } from '../../common/zod.js';

/**
 * The in-toto Statement v1 and SLSA Provenance v1 field rules gobox writes and reads. zod is the
 * single source of the types: verify parses with these, and never casts parsed JSON.
 */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** gobox's own build type; its version changes whenever the meaning of a parameter does. */
export const JAIL_BUILD_TYPE = 'https://gobox.dev/jail-build/v1';
/** The only externalParameters a v1 jail build has; a verifier refuses any other (SLSA's rule). */
export const EXTERNAL_PARAMETER_KEYS = ['command', 'dir', 'packages', 'flags'] as const;

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), `lowercase hex of ${n} digits`);
const timestamp = z.iso.datetime({ offset: true });

/** in-toto DigestSet: algorithm -> value; sha256/gitCommit in hex, dirHash in Go's h1: form. */
export const DigestSetSchema = z
  .object({
    sha256: hex(64).optional(),
    gitCommit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a git object id').optional(),
    dirHash: z.string().regex(/^h1:[A-Za-z0-9+/]{43}=$/, 'a Go dirhash h1:').optional(),
  })
  .strict()
  .refine((d) => Object.keys(d).length > 0, 'a digest set names at least one digest');

/** in-toto ResourceDescriptor: at least one of uri, digest, content. */
export const ResourceDescriptorSchema = z
  .object({
    name: z.string().min(1).optional(),
    uri: z.string().min(1).optional(),
    digest: DigestSetSchema.optional(),
    annotations: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((r) => r.uri !== undefined || r.digest !== undefined, 'a resource descriptor has a uri or a digest');

export const SubjectSchema = z.object({ name: z.string().min(1), digest: DigestSetSchema }).strict();

export const ExternalParametersSchema = z
  .object({
    command: z.literal('jail build'),
    dir: z.string(),
    packages: z.array(z.string().min(1)).min(1),
    flags: z.array(z.string().regex(/^-/, 'a flag starting with -')),
  })
  .strict();

export const ProvenanceSchema = z
  .object({
    _type: z.literal(STATEMENT_TYPE),
    subject: z.array(SubjectSchema).min(1),
    predicateType: z.literal(SLSA_PROVENANCE_V1),
    predicate: z
      .object({
        buildDefinition: z
          .object({
            buildType: z.string().url(),
            externalParameters: z.record(z.string(), z.unknown()),
            internalParameters: z.record(z.string(), z.unknown()).optional(),
            resolvedDependencies: z.array(ResourceDescriptorSchema).optional(),
          })
          .strict(),
        runDetails: z
          .object({
            builder: z.object({ id: z.string().url(), version: z.record(z.string(), z.string()).optional() }).strict(),
            metadata: z.object({ invocationId: z.string().min(1), startedOn: timestamp, finishedOn: timestamp }).strict().optional(),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

export type Provenance = z.infer<typeof ProvenanceSchema>;
export type ResourceDescriptor = z.infer<typeof ResourceDescriptorSchema>;
export type ExternalParameters = z.infer<typeof ExternalParametersSchema>;
