import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { errorMessage, GoboxError, isGoboxError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import type { Progress } from '../common/progress.js';
import type { RunControl } from '../common/run-io.js';
import { frameWritable, sendFrame } from './send.js';
import { FRAME, FrameDecoder, HEADER_TIMEOUT_MS, HeaderReader } from './frames.js';
import { StdinFlow } from './stdin-flow.js';
import type { DaemonRequest } from './daemon-request.js';
import type { HostUser } from '../common/host-user.js';
import type { ErrorPayload } from './replies.js';

const log = logger('serve');
const SIGNALS = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

/** One client connection, as the request handler sees it (the daemon's request, or the agent's). */
export interface Session<R = DaemonRequest> {
  readonly id: string;
  readonly user: HostUser;
  readonly request: R;
  readonly socket: Socket;
  readonly stdin: PassThrough;
  readonly progress: Progress;
  /** True once the client went away; a sandbox started afterwards is stopped at once. */
  disconnected: boolean;
  control: RunControl | undefined;
  stdout(): NodeJS.WritableStream;
  stderr(): NodeJS.WritableStream;
  started(control: RunControl): void;
  fail(e: unknown): void;
}

export type SessionHandler<R = DaemonRequest> = (s: Session<R>) => Promise<void>;

export interface SessionOptions<R> {
  /** Parses and validates the request line (daemon-request.ts parseRequest for the daemon). */
  parse: (line: string) => R;
  /** What the client is told when the handler fails with something that is not a GoboxError. */
  internalError?: string;
  /** Whether the request reads stdin; stdin frames of one that does not are dropped, not kept. */
  wantsStdin?: (request: R) => boolean;
}

const DAEMON_INTERNAL_ERROR = 'the gobox daemon failed on this request; see its log (journalctl -u gobox)';

/** Stops a sandbox now: two interrupts mean SIGKILL, as a second Ctrl-C does (app/run/execute.ts). */
export function killNow(control: RunControl | undefined): void {
  control?.signal('SIGINT');
  control?.signal('SIGINT');
}

/**
 * Reads and validates the request, then hands the connection to the handler. Bad input (garbage,
 * an oversized or truncated request, a stalled client) gets an error frame and a closed
 * connection; nothing a client sends can throw out of here.
 */
export function acceptConnection<R>(
  sock: Socket,
  user: HostUser,
  id: string,
  handle: SessionHandler<R>,
  onClose: () => void,
  opts: SessionOptions<R>,
): void {
  const header = new HeaderReader();
  const frames = new FrameDecoder();
  let session: Session<R> | undefined;
  let refused = false;
  let flow: StdinFlow | undefined;
  const timer = setTimeout(() => (refused = true) && refuse(sock, `no complete request within ${HEADER_TIMEOUT_MS / 1000}s`), HEADER_TIMEOUT_MS);
  sock.on('error', () => {});
  sock.on('close', () => {
    clearTimeout(timer);
    flow?.close();
    if (session) {
      session.disconnected = true;
      killNow(session.control);
      session.stdin.end();
    }
    onClose();
  });
  sock.on('data', (chunk: Buffer) => {
    if (refused) return;
    try {
      if (!session) {
        const got = header.push(chunk);
        if (!got) return;
        clearTimeout(timer);
        session = makeSession(sock, user, id, opts.parse(got.line), opts.internalError ?? DAEMON_INTERNAL_ERROR);
        const s = session;
        const stdin = (flow = new StdinFlow(sock, s.stdin, opts.wantsStdin?.(s.request) ?? true));
        void handle(s).catch((e: unknown) => s.fail(e)).finally(() => (stdin.done(), sock.end()));
        chunk = got.rest;
      }
      for (const f of frames.push(chunk)) onFrame(session, flow!, f.type, f.payload);
    } catch (e) {
      if (session) {
        log.debug(`uid ${user.uid}: protocol error: ${errorMessage(e)}`);
        killNow(session.control);
        session.disconnected = true;
        sock.destroy();
      } else {
        refused = true;
        refuse(sock, errorMessage(e));
      }
    }
  });
}

function refuse(sock: Socket, message: string): void {
  sendFrame(sock, FRAME.error, JSON.stringify({ message: `bad request: ${message}`, exitCode: 125 } satisfies ErrorPayload));
  sock.end();
  setTimeout(() => sock.destroy(), 1000).unref();
}

function onFrame<R>(s: Session<R>, flow: StdinFlow, type: number, payload: Buffer): void {
  switch (type) {
    case FRAME.stdin:
      flow.write(payload);
      return;
    case FRAME.stdinEnd:
      s.stdin.end();
      return;
    case FRAME.signal: {
      const sig = payload.toString('utf8');
      if (!SIGNALS.has(sig)) throw new Error(`unknown signal ${sig.slice(0, 20)}`);
      s.control?.signal(sig as 'SIGINT');
      return;
    }
    case FRAME.resize: {
      const m = /^(\d{1,4}) (\d{1,4})$/.exec(payload.toString('utf8'));
      if (!m) throw new Error('bad resize frame');
      s.control?.resize(Number(m[1]), Number(m[2]));
      return;
    }
    default:
      throw new Error(`unknown frame type ${type}`);
  }
}

function makeSession<R>(sock: Socket, user: HostUser, id: string, request: R, internalError: string): Session<R> {
  const notice = (text: string) => sendFrame(sock, FRAME.notice, text);
  const s: Session<R> = {
    id, user, request, socket: sock, stdin: new PassThrough(), disconnected: false, control: undefined,
    progress: { start: (t) => notice(`${t} ...`), update() {}, bytes() {}, succeed() {}, fail() {}, notice },
    stdout: () => frameWritable(sock, FRAME.stdout),
    stderr: () => frameWritable(sock, FRAME.stderr),
    started(control) {
      s.control = control;
      if (s.disconnected) killNow(control);
      else sendFrame(sock, FRAME.started);
    },
    fail(e) {
      const err = isGoboxError(e) ? e : new GoboxError(internalError);
      if (!isGoboxError(e)) log.error(`uid ${user.uid}: ${errorMessage(e)}`);
      sendFrame(sock, FRAME.error, JSON.stringify({ message: err.message, ...(err.hint ? { hint: err.hint } : {}), exitCode: err.exitCode } satisfies ErrorPayload));
    },
  };
  return s;
}
