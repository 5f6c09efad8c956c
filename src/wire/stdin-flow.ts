import type { Socket } from 'node:net';
import type { PassThrough } from 'node:stream';
import { logger } from '../common/logger.js';
import { sendFrame } from './send.js';
import { FRAME, MAX_FRAME_BYTES } from './frames.js';

const log = logger('serve');

/**
 * Most stdin one connection may hold. Reading stops far below it (when the stdin stream is
 * full); only the frames of the chunk already read land on top, at most one frame's worth.
 */
export const STDIN_CAP_BYTES = 4 * MAX_FRAME_BYTES;
/** While reading is paused, how often a keepalive frame checks that the client is still there. */
const KEEPALIVE_MS = 1000;

/**
 * Stdin frames into the session's stdin stream, with back-pressure: when the sandbox does not
 * read its stdin (or has not started yet), the stream fills, the socket is paused and the
 * client's writes block, so no client can fill the daemon's memory. Frames of a request that
 * did not ask for stdin are dropped, as are frames after the run is over.
 *
 * A paused socket reads nothing, not even the end of the connection: a keepalive frame
 * (clients ignore it) is written meanwhile, so a client that went away fails the write and
 * its sandbox is stopped as for any lost client.
 */
export class StdinFlow {
  private paused = false;
  private keepalive: NodeJS.Timeout | undefined;
  private dropped = 0;

  constructor(private readonly sock: Socket, private readonly stdin: PassThrough, private wanted: boolean) {
    stdin.on('drain', () => this.resume());
  }

  write(payload: Buffer): void {
    if (!this.wanted || this.stdin.writableEnded || this.stdin.destroyed) {
      if (this.dropped === 0) log.debug('dropping stdin frames nobody reads');
      this.dropped += payload.length;
      return;
    }
    const held = this.stdin.writableLength + this.stdin.readableLength;
    // Unreachable for a client that stops when the socket blocks; a breach is a protocol error.
    if (held + payload.length > STDIN_CAP_BYTES) throw new Error(`more than ${STDIN_CAP_BYTES} bytes of stdin pending`);
    if (!this.stdin.write(payload)) this.pause();
  }

  /** The request is served: stdin is not read any more, so the rest is dropped and reading goes on (to see the client's end). */
  done(): void {
    this.wanted = false;
    this.resume();
  }

  close(): void {
    clearInterval(this.keepalive);
    this.keepalive = undefined;
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.sock.pause();
    this.keepalive = setInterval(() => sendFrame(this.sock, FRAME.keepalive), KEEPALIVE_MS);
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.close();
    if (!this.sock.destroyed) this.sock.resume();
  }
}
