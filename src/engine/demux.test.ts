import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demuxStream, framedText } from './demux.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function collect(s: PassThrough): () => string {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  return () => Buffer.concat(parts).toString();
}

describe('demux', () => {
  it('splits a stream into stdout and stderr, with frames cut across chunks', async () => {
    const source = new PassThrough();
    const out = new PassThrough();
    const err = new PassThrough();
    const [outText, errText] = [collect(out), collect(err)];
    demuxStream(source, out, err);
    const all = Buffer.concat([frame(1, 'hello '), frame(2, 'oops\n'), frame(1, 'world\n')]);
    for (let at = 0; at < all.length; at += 3) source.write(all.subarray(at, at + 3));
    await new Promise((r) => setImmediate(r));
    expect(outText()).toBe('hello world\n');
    expect(errText()).toBe('oops\n');
  });

  it('joins finished logs in order, and passes a TTY container\'s plain text through', () => {
    expect(framedText(Buffer.concat([frame(1, 'memory=104857600\n'), frame(2, 'pids=77\n')]))).toBe('memory=104857600\npids=77\n');
    expect(framedText(Buffer.from('plain tty text\n'))).toBe('plain tty text\n');
  });

  it('counts the bytes of a frame cut off in the middle (output that was lost)', () => {
    const source = new PassThrough();
    const d = demuxStream(source, new PassThrough(), new PassThrough());
    source.write(frame(1, 'complete'));
    expect(d.pendingBytes()).toBe(0);
    source.write(frame(1, 'cut short').subarray(0, 12));
    expect(d.pendingBytes()).toBe(12);
  });
});
