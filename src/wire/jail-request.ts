import { z } from '../common/zod.js';

const text = (max: number) => z.string().max(max).refine((s) => !s.includes('\0'), { message: 'NUL byte not allowed' });
const absolute = text(4096).refine((p) => p.startsWith('/'), { message: 'expected an absolute path' });

/**
 * A `gobox jail` action sent to the daemon. The daemon checks the flags again (app/jail/flags.ts)
 * and reads and writes the user's files only as the user (daemon/jail-site.ts); verify is the
 * client's own rebuild-and-compare, with the rebuild and the signature check done here.
 */
export const jailRequest = z.strictObject({
  action: z.enum(['fetch', 'build', 'signature']),
  /** build: the out dir, absolute (the client resolved it against its cwd). */
  out: absolute.optional(),
  /** build: verify's rebuild, which runs as a uid the daemon picks, never the caller's (app/jail/rebuild-as.ts). */
  rebuild: z.boolean().default(false),
  flags: z.array(text(16 * 1024)).max(1024).default([]),
  packages: z.array(text(4096)).max(1024).default([]),
  /** signature: the record and its DSSE envelope as the user read them, with their names for messages. */
  provenance: text(16 * 1024 * 1024).optional(),
  envelope: text(16 * 1024 * 1024).optional(),
  provenanceFile: absolute.optional(),
});
export type JailRequest = z.infer<typeof jailRequest>;

/** The daemon's answer to a jail build: where the outputs went and their digests. */
export const jailBuildReply = z.strictObject({
  outDir: z.string(),
  provenanceFile: z.string(),
  envelopeFile: z.string().nullable(),
  subjects: z.array(z.strictObject({ name: z.string(), digest: z.record(z.string(), z.string()) })),
  /** The uid and gid the jail ran as. */
  ranAs: z.strictObject({ uid: z.number().int(), gid: z.number().int() }),
});
export type JailBuildReply = z.infer<typeof jailBuildReply>;
