import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { RunOutcome } from '../common/run-io.js';
import type { ExitPayload } from './replies.js';
import { encodeFrame, FRAME, MAX_FRAME_BYTES } from './frames.js';

/** Frames written to a socket that may go away at any time: writes after close are dropped. */
export function sendFrame(sock: Socket, type: number, payload: Buffer | string = ''): boolean {
  if (sock.destroyed || !sock.writable) return true;
  return sock.write(encodeFrame(type, payload));
}

/**
 * A stream whose bytes become frames of one type. Backpressure reaches the sandbox's stream:
 * a slow client slows the command's output instead of filling the daemon's memory.
 */
export function frameWritable(sock: Socket, type: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      let ok = true;
      for (let at = 0; at < chunk.length; at += MAX_FRAME_BYTES) ok = sendFrame(sock, type, chunk.subarray(at, at + MAX_FRAME_BYTES)) && ok;
      if (ok) return done();
      let called = false;
      const once = () => {
        if (called) return;
        called = true;
        sock.off('drain', once);
        sock.off('close', once);
        done();
      };
      sock.once('drain', once);
      sock.once('close', once);
    },
  });
}

/** The run's outcome, as the client reads it (wire/client.ts): the last frame of a run. */
export function sendExit(sock: Socket, outcome: RunOutcome): void {
  const { exitCode, reason, message, notices, durationMs } = outcome;
  const payload: ExitPayload = { exitCode, reason, ...(message ? { message } : {}), notices, durationMs };
  sendFrame(sock, FRAME.exit, JSON.stringify(payload));
}
