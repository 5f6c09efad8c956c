import type { Readable, Writable } from 'node:stream';

/**
 * Splits Docker's multiplexed attach stream (8-byte header: stream type, 3 pad bytes, big-endian
 * length) into stdout and stderr. The only place that knows the frame format.
 */
export function demuxStream(source: Readable, stdout: Writable, stderr: Writable): void {
  let pending: Buffer = Buffer.alloc(0);
  source.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const target = pending[0] === 2 ? stderr : stdout;
      target.write(pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  });
}
