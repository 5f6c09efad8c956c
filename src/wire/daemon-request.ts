import { z } from '../common/zod.js';
import { durationText, goEnv, sizeText } from '../config/schema.js';
import { classRequest } from './class-request.js';
import { jailRequest } from './jail-request.js';

/** Protocol version of the request line (frames.ts has the framing itself). */
export const PROTOCOL_VERSION = 1;
export { FRAME, FrameDecoder, HeaderReader, encodeFrame, HEADER_TIMEOUT_MS, MAX_FRAME_BYTES, MAX_HEADER_BYTES } from './frames.js';

export const limitOverrides = z.strictObject({
  memory: sizeText.optional(),
  cpus: z.number().positive().max(512).optional(),
  pids: z.number().int().positive().optional(),
  timeout: durationText.optional(),
  output: sizeText.optional(),
});
export type LimitOverrides = z.infer<typeof limitOverrides>;

const text = (max: number) => z.string().max(max).refine((s) => !s.includes('\0'), { message: 'NUL byte not allowed' });

/**
 * What a client may ask for, and nothing more: image, runtime, user, mounts and security options
 * are the daemon's alone. Unknown keys (e.g. a claimed "uid") are dropped, not obeyed: the
 * caller's identity is the socket that accepted the connection.
 */
export const daemonRequest = z.object({
  v: z.literal(PROTOCOL_VERSION),
  op: z.enum(['run', 'env', 'cache-info', 'cache-trim', 'cache-clear', 'class', 'jail']),
  cwd: text(4096).refine((p) => p.startsWith('/'), { message: 'expected an absolute path' }),
  command: z.array(text(16 * 1024)).min(1).max(4096),
  env: goEnv.default({}),
  profile: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/).max(100).optional(),
  go: z.string().regex(/^[A-Za-z0-9.+-]+$/).max(40).optional(),
  limits: limitOverrides.default({}),
  tty: z.boolean().default(false),
  stdin: z.boolean().default(true),
  term: z.string().regex(/^[A-Za-z0-9._+-]+$/).max(64).optional(),
  /** cache-trim: the size to trim down to (default: 80% of the limit). */
  trimTo: z.number().int().nonnegative().optional(),
  /** class: the `gobox class` command (wire/class-request.ts). */
  class: classRequest.optional(),
  /** jail: the `gobox jail` action (wire/jail-request.ts). */
  jail: jailRequest.optional(),
});
export type DaemonRequest = z.infer<typeof daemonRequest>;


/** Parses and validates the request line; the error names the field, never echoes the input. */
export function parseRequest(line: string): DaemonRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new Error('request is not valid JSON');
  }
  const r = daemonRequest.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new Error(`invalid request: ${issues.join('; ')}`);
  }
  return r.data;
}
