import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { demuxStream, framedText } from './demux.js';
import { errorMessage } from '../common/errors.js';
import type { AttachEnd, AttachOptions, SandboxHandle, WaitResult } from './engine.js';
import { engineCall } from './errors.js';
import type { ExitEvent } from './exit-event.js';

/** One created container, driven step by step (attach, start, wait, remove). */
export class DockerodeSandbox implements SandboxHandle {
  /** exitEvent: learns a clean exit before /wait answers (Docker Engine only; exit-event.ts). */
  constructor(private readonly container: Docker.Container, private readonly exitEvent?: (id: string) => ExitEvent) {}

  get id(): string {
    return this.container.id;
  }

  async attach(opts: AttachOptions): Promise<{ detach(): void; ended: Promise<AttachEnd> }> {
    const stream = (await engineCall('attach to sandbox', () => this.dialAttach(Boolean(opts.stdin)))) as NodeJS.ReadWriteStream & Readable;
    const demuxed = opts.tty ? undefined : demuxStream(stream, opts.stdout, opts.stderr);
    if (opts.tty) stream.on('data', (chunk: Buffer) => opts.stdout.write(chunk));
    let detached = false;
    // A broken connection cuts the output short; the caller must hear of it, not see a clean end.
    const ended = new Promise<AttachEnd>((resolve) => {
      let failure: string | undefined;
      stream.on('error', (e: Error) => (failure ??= errorMessage(e)));
      stream.on('aborted', () => (failure ??= 'the engine connection was aborted'));
      // Deferred a turn: a broken connection may report its error just after its close.
      const finish = () =>
        setImmediate(() => {
          const lost = demuxed?.pendingBytes() ?? 0;
          if (detached) resolve({});
          else if (failure) resolve({ error: failure });
          else resolve(lost > 0 ? { error: `it ended inside a frame, ${lost} byte(s) lost` } : {});
        });
      for (const event of ['end', 'close', 'error', 'aborted']) stream.on(event, finish);
    });
    if (opts.stdin) {
      const input = opts.stdin;
      // Back-pressure: a command that does not read its stdin holds the input, not gobox's memory.
      input.on('data', (chunk: Buffer) => {
        if (!stream.write(chunk)) (input.pause(), stream.once('drain', () => input.resume()));
      });
      // Half-close so the sandboxed command sees EOF on stdin, as it would locally.
      input.on('end', () => stream.end());
    }
    return {
      detach: () => {
        detached = true;
        opts.stdin?.removeAllListeners('data');
        opts.stdin?.removeAllListeners('end');
        (stream as unknown as { destroy(): void }).destroy();
      },
      ended,
    };
  }

  /**
   * POST /attach, dialled directly: dockerode's attach sends its options as a JSON body, or with
   * stdin a chunked body whose end marker ("0\r\n\r\n") Podman hands to the command's stdin
   * (Docker ignores both). An empty Buffer body goes out as Content-Length: 0, so the engine sees
   * no body at all, and stdin flows over the upgraded (hijacked) socket alone.
   */
  private dialAttach(stdin: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.container.modem.dial(
        {
          path: `/containers/${this.container.id}/attach?`,
          method: 'POST',
          isStream: true,
          hijack: stdin,
          openStdin: false,
          file: Buffer.alloc(0),
          statusCodes: { 101: true, 200: true, 404: 'no such container', 409: 'conflict', 500: 'server error' },
          options: { stream: true, stdin, stdout: true, stderr: true },
        },
        (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream)),
      );
    });
  }

  async start(): Promise<void> {
    await engineCall('start sandbox', () => this.container.start());
  }

  async wait(condition: 'next-exit' | 'not-running' = 'next-exit'): Promise<WaitResult> {
    // next-exit: wait is called before start, and "not-running" would return at once for a created container.
    const waited = engineCall('wait for sandbox', () => this.container.wait({ condition })) as Promise<{ StatusCode: number }>;
    const event = this.exitEvent?.(this.id);
    let res: { StatusCode: number };
    try {
      // Only a clean exit is taken from the event: any other code waits for /wait and the inspect
      // below, whose OOM verdict is only certain once the engine has marked the sandbox stopped.
      const clean = event?.code.then((code) => (code === 0 ? { StatusCode: 0 } : new Promise<never>(() => {})));
      res = await (clean ? Promise.race([waited, clean]) : waited);
    } finally {
      event?.close();
    }
    // The engine's own answer comes a moment later; nobody listens to it any more.
    waited.catch(() => {});
    // A clean exit had no OOM kill worth reporting; any failure may hide one (e.g. go build exits 1
    // when the OOM killer took a compiler child), so only failures pay for the inspect.
    if (res.StatusCode === 0) return { exitCode: 0, oomKilled: false };
    try {
      const state = await this.inspectState();
      return { exitCode: res.StatusCode, oomKilled: state.oomKilled };
    } catch (e) {
      // Removed by force right after it ended (a kill that could not be sent): no OOM to tell of.
      if ((e as { name?: string }).name === 'NotFoundError') return { exitCode: res.StatusCode, oomKilled: false };
      throw e;
    }
  }

  async inspectState(): Promise<WaitResult & { running: boolean }> {
    const info = await engineCall('inspect sandbox', () => this.container.inspect());
    return { exitCode: info.State.ExitCode, oomKilled: Boolean(info.State.OOMKilled), running: info.State.Running };
  }

  async kill(signal: string): Promise<void> {
    try {
      await engineCall(`send ${signal} to sandbox`, () => this.container.kill({ signal }));
    } catch (e) {
      // 409: not running any more; the signal has nothing left to reach.
      if ((e as { name?: string }).name !== 'ConflictError') throw e;
    }
  }

  async resize(rows: number, cols: number): Promise<void> {
    await engineCall('resize sandbox TTY', () => this.container.resize({ h: rows, w: cols })).catch(() => {});
  }

  async logs(): Promise<string> {
    const buf = (await engineCall('read helper output', () =>
      this.container.logs({ stdout: true, stderr: true, follow: false }),
    )) as unknown as Buffer;
    return framedText(buf);
  }

  async remove(): Promise<void> {
    try {
      await engineCall('remove sandbox', () => this.container.remove({ force: true }));
    } catch (e) {
      if ((e as { name?: string }).name !== 'NotFoundError' && !/already in progress/.test(String((e as Error).message))) throw e;
    }
  }
}
