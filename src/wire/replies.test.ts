import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FRAME, FrameDecoder } from './frames.js';
import { exitPayload } from './replies.js';
import { sendExit } from './send.js';

describe('wire replies', () => {
  it('the exit frame a server sends is what the exit schema describes, with nothing else', async () => {
    const sock = new PassThrough();
    const frames = new FrameDecoder();
    const got: { type: number; payload: Buffer }[] = [];
    sock.on('data', (d: Buffer) => got.push(...frames.push(d)));
    sendExit(sock as unknown as Socket, { exitCode: 137, reason: 'oom', message: 'killed', notices: ['n'], durationMs: 5, containerId: 'c' });
    sock.end();
    await new Promise((r) => setImmediate(r));
    expect(got).toHaveLength(1);
    expect(got[0]!.type).toBe(FRAME.exit);
    const body: unknown = JSON.parse(got[0]!.payload.toString());
    expect(exitPayload.strict().parse(body)).toEqual({ exitCode: 137, reason: 'oom', message: 'killed', notices: ['n'], durationMs: 5 });
  });
});
