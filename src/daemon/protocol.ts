import { z } from 'zod';
import { durationText, goEnv, sizeText } from '../config/schema.js';

/**
 * The wire protocol between `gobox` and `gobox serve`: one Unix socket connection per command.
 * The client sends one line of JSON (the request), then frames; the daemon answers with frames.
 * A frame is [type: u8][length: u32 BE][payload].
 */
export const PROTOCOL_VERSION = 1;
export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_FRAME_BYTES = 1024 * 1024;
export const HEADER_TIMEOUT_MS = 10_000;

export const FRAME = {
  // client -> daemon
  stdin: 1,
  stdinEnd: 2,
  signal: 3,
  resize: 4,
  // daemon -> client
  stdout: 10,
  stderr: 11,
  notice: 12,
  started: 13,
  exit: 14,
  error: 15,
  result: 16,
} as const;

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
  op: z.enum(['run', 'env', 'cache-info']),
  cwd: text(4096).refine((p) => p.startsWith('/'), { message: 'expected an absolute path' }),
  command: z.array(text(16 * 1024)).min(1).max(4096),
  env: goEnv.default({}),
  profile: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/).max(100).optional(),
  go: z.string().regex(/^[A-Za-z0-9.+-]+$/).max(40).optional(),
  limits: limitOverrides.default({}),
  tty: z.boolean().default(false),
  stdin: z.boolean().default(true),
  term: z.string().regex(/^[A-Za-z0-9._+-]+$/).max(64).optional(),
});
export type DaemonRequest = z.infer<typeof daemonRequest>;

export const exitPayload = z.object({
  exitCode: z.number().int(),
  reason: z.string(),
  message: z.string().optional(),
  notices: z.array(z.string()).default([]),
  durationMs: z.number(),
});
export type ExitPayload = z.infer<typeof exitPayload>;

export const errorPayload = z.object({ message: z.string(), hint: z.string().optional(), exitCode: z.number().int() });
export type ErrorPayload = z.infer<typeof errorPayload>;

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into frames; a frame over the size limit is a protocol error. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { type: number; payload: Buffer }[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (len > MAX_FRAME_BYTES) throw new Error(`frame of ${len} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
      if (this.buf.length < 5 + len) break;
      out.push({ type: this.buf.readUInt8(0), payload: this.buf.subarray(5, 5 + len) });
      this.buf = this.buf.subarray(5 + len);
    }
    return out;
  }
}

/** Accumulates the request line; returns it and whatever bytes followed, or undefined until complete. */
export class HeaderReader {
  private parts: Buffer[] = [];
  private size = 0;
  push(chunk: Buffer): { line: string; rest: Buffer } | undefined {
    const nl = chunk.indexOf(0x0a);
    if (nl < 0) {
      this.size += chunk.length;
      if (this.size > MAX_HEADER_BYTES) throw new Error(`request larger than ${MAX_HEADER_BYTES} bytes`);
      this.parts.push(chunk);
      return undefined;
    }
    if (this.size + nl > MAX_HEADER_BYTES) throw new Error(`request larger than ${MAX_HEADER_BYTES} bytes`);
    const line = Buffer.concat([...this.parts, chunk.subarray(0, nl)]).toString('utf8');
    return { line, rest: chunk.subarray(nl + 1) };
  }
}

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
