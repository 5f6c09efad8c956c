import net from 'node:net';
import type { RunControl, RunIO } from '../common/run-io.js';
import type { ErrorPayload, ExitPayload } from './replies.js';
import { EXIT, GoboxError } from '../common/errors.js';
import { encodeFrame, FRAME, FrameDecoder } from './frames.js';

export type { ExitPayload } from './replies.js';

export interface WireCall {
  /** The request line, sent as JSON. */
  header: object;
  io: RunIO;
  /** Forward stdin as frames (a run), or not (env, cache info). */
  forwardStdin: boolean;
  onStart?: (control: RunControl) => void;
  onNotice?: (text: string) => void;
  /** Called once connected, before the request is sent. */
  onConnect?: () => void;
  /** The error when nothing accepts the connection (errno code of the failed connect). */
  notRunning: (code: string | undefined) => GoboxError;
  /** The error when the server goes away before the outcome. */
  lost: () => GoboxError;
}

/** The exit frame, checked by hand: this module is on the agent's fast path, where zod is not loaded. */
function exitOf(raw: unknown): ExitPayload {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (!Number.isInteger(o.exitCode) || typeof o.reason !== 'string') throw new GoboxError('the server sent a malformed exit frame');
  return {
    exitCode: o.exitCode as number,
    reason: o.reason,
    ...(typeof o.message === 'string' ? { message: o.message } : {}),
    notices: Array.isArray(o.notices) ? o.notices.filter((n): n is string => typeof n === 'string') : [],
    durationMs: typeof o.durationMs === 'number' ? o.durationMs : 0,
  };
}

function errorOf(raw: unknown): GoboxError {
  const o = (raw ?? {}) as Partial<Record<keyof ErrorPayload, unknown>>;
  const message = typeof o.message === 'string' ? o.message : 'the server failed on this request';
  return new GoboxError(message, {
    exitCode: Number.isInteger(o.exitCode) ? (o.exitCode as number) : 125,
    ...(typeof o.hint === 'string' ? { hint: o.hint } : {}),
  });
}

/**
 * One command over a gobox socket: the request line, then stdin, signals and window size up,
 * output and the outcome down. Resolves with the run's outcome (exit frame) or a result frame.
 */
export function callServer(socket: string, c: WireCall): Promise<ExitPayload | unknown> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socket);
    const frames = new FrameDecoder();
    let settled = false;
    let connected = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      sock.end();
    };
    const send = (type: number, payload?: Buffer | string): boolean => (sock.destroyed ? true : sock.write(encodeFrame(type, payload)));
    let interrupts = 0;
    const signal = (sig: string) => {
      send(FRAME.signal, sig);
      // Signal frames queue behind stdin the server does not read (the sandbox does not take it):
      // a second Ctrl-C then drops the connection, and the server stops the sandbox of a gone client.
      if (sig === 'SIGINT' && ++interrupts >= 2 && sock.writableLength > 0) {
        finish(() => reject(new GoboxError('interrupted; the sandbox was not reading its stdin, so the connection was dropped and the sandbox is stopped', { exitCode: EXIT.interrupted })));
        sock.destroy();
      }
    };
    sock.on('connect', () => {
      connected = true;
      c.onConnect?.();
      sock.write(JSON.stringify(c.header) + '\n');
      const input = c.forwardStdin ? c.io.stdin : undefined;
      // The server stops reading while the sandbox does not take its stdin: so does this client.
      input?.on('data', (b: Buffer) => {
        if (!send(FRAME.stdin, b)) (input.pause(), sock.once('drain', () => input.resume()));
      });
      input?.on('end', () => send(FRAME.stdinEnd));
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected) finish(() => reject(c.notRunning(e.code)));
    });
    sock.on('close', () => finish(() => reject(c.lost())));
    sock.on('data', (chunk: Buffer) => {
      let got;
      try {
        got = frames.push(chunk);
      } catch (e) {
        finish(() => reject(e));
        return;
      }
      for (const f of got) {
        switch (f.type) {
          case FRAME.stdout:
          case FRAME.stderr: {
            const out = f.type === FRAME.stdout ? c.io.stdout : c.io.stderr;
            if (!out.write(f.payload)) (sock.pause(), out.once('drain', () => sock.resume()));
            break;
          }
          case FRAME.notice:
            c.onNotice?.(f.payload.toString('utf8'));
            break;
          case FRAME.started:
            c.onStart?.({ signal: (sig) => signal(sig), resize: (rows, cols) => send(FRAME.resize, `${rows} ${cols}`) });
            break;
          case FRAME.exit:
            finish(() => resolve(exitOf(JSON.parse(f.payload.toString('utf8')))));
            break;
          case FRAME.result:
            finish(() => resolve(JSON.parse(f.payload.toString('utf8'))));
            break;
          case FRAME.error:
            finish(() => reject(errorOf(JSON.parse(f.payload.toString('utf8')))));
            break;
        }
      }
    });
  });
}
