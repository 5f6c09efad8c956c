/**
 * The wire protocol between `gobox` and `gobox serve` (or the user's own `gobox agent`): one
 * Unix socket connection per command. The client sends one line of JSON (the request), then
 * frames; the server answers with frames.
 * A frame is [type: u8][length: u32 BE][payload].
 *
 * Free of heavier imports (zod, the engine): the agent's client loads this on every `gobox run`.
 */
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
  /** Written while the server waits on a paused connection; clients ignore it (a gone client fails the write). */
  keepalive: 17,
} as const;

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/**
 * Splits a byte stream into frames; a frame over the size limit is a protocol error. Chunks of a
 * partial frame are kept apart and joined once it is complete: joining on every chunk would copy
 * a 1 MiB frame sixteen times over.
 */
export class FrameDecoder {
  private parts: Buffer[] = [];
  private size = 0;
  push(chunk: Buffer): { type: number; payload: Buffer }[] {
    this.parts.push(chunk);
    this.size += chunk.length;
    const out: { type: number; payload: Buffer }[] = [];
    while (this.size >= 5) {
      if (this.parts[0]!.length < 5) this.join();
      const len = this.parts[0]!.readUInt32BE(1);
      if (len > MAX_FRAME_BYTES) throw new Error(`frame of ${len} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
      if (this.size < 5 + len) break;
      if (this.parts[0]!.length < 5 + len) this.join();
      const buf = this.parts[0]!;
      out.push({ type: buf.readUInt8(0), payload: buf.subarray(5, 5 + len) });
      const rest = buf.subarray(5 + len);
      if (rest.length) this.parts[0] = rest;
      else this.parts.shift();
      this.size -= 5 + len;
    }
    return out;
  }

  private join(): void {
    this.parts = [Buffer.concat(this.parts)];
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
