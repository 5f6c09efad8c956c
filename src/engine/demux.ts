import type { Readable, Writable } from 'node:stream';

/**
 * Docker's multiplexed stream (attach and logs of a container without a TTY): frames of an
 * 8-byte header (stream type 1 = stdout, 2 = stderr, 3 zero bytes, big-endian length) and the
 * payload. The only place that knows the frame format.
 */
const HEADER_BYTES = 8;

interface Frame {
  stderr: boolean;
  payload: Buffer;
  rest: Buffer;
}

/** The first whole frame of `buf`, or undefined while it is still incomplete. */
function firstFrame(buf: Buffer): Frame | undefined {
  if (buf.length < HEADER_BYTES) return undefined;
  const size = buf.readUInt32BE(4);
  if (buf.length < HEADER_BYTES + size) return undefined;
  return { stderr: buf[0] === 2, payload: buf.subarray(HEADER_BYTES, HEADER_BYTES + size), rest: buf.subarray(HEADER_BYTES + size) };
}

/** Splits a live attach stream into stdout and stderr, frames cut anywhere across chunks. */
export function demuxStream(source: Readable, stdout: Writable, stderr: Writable): { pendingBytes(): number } {
  let pending: Buffer = Buffer.alloc(0);
  source.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (let f = firstFrame(pending); f; f = firstFrame(pending)) {
      (f.stderr ? stderr : stdout).write(f.payload);
      pending = f.rest;
    }
  });
  // Bytes of a frame that never completed: a stream that ends with some has lost output.
  return { pendingBytes: () => pending.length };
}

/**
 * The text of a finished container's logs, stdout and stderr in the order written. Logs of a TTY
 * container are not framed: they come back as they are.
 */
export function framedText(buf: Buffer): string {
  const parts: Buffer[] = [];
  let rest = buf;
  while (rest.length >= HEADER_BYTES && rest[1] === 0 && rest[2] === 0 && rest[3] === 0) {
    const f = firstFrame(rest);
    if (!f) break;
    parts.push(f.payload);
    rest = f.rest;
  }
  return parts.length ? Buffer.concat(parts).toString('utf8') : buf.toString('utf8');
}
