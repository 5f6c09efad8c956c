import { PassThrough, type Readable, type Writable } from 'node:stream';
import { EngineUnavailableError, EXIT } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { formatDuration, formatSize } from '../common/units.js';
import type { Engine, SandboxHandle } from '../engine/index.js';
import type { SandboxSpec } from '../sandbox/types.js';
import { execFailureRewriter, OutputCap, type ExecFailure } from './output-cap.js';
import { startFailure } from './start-failure.js';

export interface RunIO {
  stdin?: Readable | undefined;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export type EndReason = 'exited' | 'timeout' | 'oom' | 'output-limit' | 'interrupted' | 'terminated';

export interface RunOutcome {
  exitCode: number;
  reason: EndReason;
  /** One line for the user when gobox ended the command or the engine killed it. */
  message?: string;
  /** Further lines for the user, e.g. that the cache quota is full. */
  notices: string[];
  durationMs: number;
  containerId: string;
}

/** Lets the CLI pass on what the terminal does (signals, window size) while the sandbox runs. */
export interface RunControl {
  signal(sig: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGQUIT'): void;
  resize(rows: number, cols: number): void;
}

export interface ExecuteOptions {
  timeoutMs: number;
  outputLimit: number;
  memoryLimit: number;
  /** How long a signalled command gets before it is killed. */
  graceMs?: number;
  onStart?: (control: RunControl) => void;
  /** A sandbox started ahead for this run (app/warm-pool.ts), waiting for its command. */
  warm?: WarmSandbox;
}

/**
 * A sandbox already running the launcher (warm-pool.ts): `launch` hands it the command, and the
 * line "go" on its stdin sets it off, so no byte of the caller's stdin is read before.
 */
export interface WarmSandbox {
  box: SandboxHandle;
  launch(command: string[]): Promise<void>;
}

/** How long to wait for buffered output after the container has exited. */
const DRAIN_MS = 3000;

/**
 * Runs one created-to-removed sandbox: attach before start (so no output is lost), forward
 * signals, enforce the wall clock and the output cap, and remove the container on every path.
 */
export async function executeSandbox(engine: Engine, spec: SandboxSpec, io: RunIO, o: ExecuteOptions): Promise<RunOutcome> {
  const started = performance.now();
  const box = o.warm?.box ?? (await logger('run').time('create container', () => engine.createSandbox(spec)));
  // A warm sandbox reads "go" before the command starts; the caller's stdin follows it.
  const gate = o.warm ? new PassThrough() : undefined;
  const log = logger('run').forContainer(box.id);
  let ended: EndReason | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (reason: EndReason, signal: string) => {
    ended ??= reason;
    box.kill(signal).catch(() => {});
    killTimer ??= setTimeout(() => box.kill('SIGKILL').catch(() => {}), o.graceMs ?? 5000);
  };
  const cap = new OutputCap(o.outputLimit, () => {
    ended ??= 'output-limit';
    box.kill('SIGKILL').catch(() => {});
  });
  const timeout = o.timeoutMs > 0 ? setTimeout(() => stop('timeout', 'SIGTERM'), o.timeoutMs) : undefined;
  let attached: { detach(): void; ended: Promise<void> } | undefined;
  let execFailure: ExecFailure | undefined;
  try {
    attached = await log.time('attach', () =>
      box.attach({
        stdin: gate ?? (spec.stdin ? io.stdin : undefined),
        stdout: cap.wrap(io.stdout) as Writable,
        stderr: cap.wrap(io.stderr, spec.tty ? undefined : execFailureRewriter(spec.command[0], (kind) => (execFailure = kind))) as Writable,
        tty: spec.tty,
      }),
    );
    // Wait is asked for only once attach worked (a pending wait on a failed sandbox could keep the
    // process alive), and before start so even an instant exit is seen.
    // A warm sandbox is running already: not-running also sees an exit that comes before the wait.
    const waiting = box.wait(o.warm ? 'not-running' : 'next-exit');
    // Settled here if start fails: the catch below reports the start error instead.
    waiting.catch(() => {});
    if (o.warm && gate) {
      await log.time('launch in warm sandbox', () => o.warm!.launch(spec.command));
      gate.write('go\n');
      if (spec.stdin && io.stdin) io.stdin.pipe(gate);
      else gate.end();
    } else {
      await log.time('start container', () => box.start().catch((e: unknown) => Promise.reject(startFailure(e, spec.command[0] ?? ''))));
    }
    o.onStart?.(controlFor(box, stop));
    const result = await waiting;
    await settleWithin(attached.ended, DRAIN_MS);
    attached.detach();
    // The init could not exec the command: the status a shell gives (Podman's init says 1).
    const code = execFailure === 'not-found' ? EXIT.notFound : execFailure === 'not-executable' ? EXIT.notExecutable : result.exitCode;
    const done = outcome(code, result.oomKilled, ended, o, performance.now() - started, box.id);
    clearTimers();
    if (!(await log.time('remove container', () => removeQuietly(box)))) {
      // The engine itself stopped (a restart, say): the exit status came from its shutdown.
      done.notices.push(`the container engine went away during the run (exit ${done.exitCode} came from its shutdown); the next gobox run removes the sandbox`);
    }
    return done;
  } catch (e) {
    clearTimers();
    // Podman keeps a container locked while an attach is open: let go before removing it.
    attached?.detach();
    await log.time('remove container', () => removeQuietly(box));
    throw e;
  }

  function clearTimers(): void {
    clearTimeout(timeout);
    clearTimeout(killTimer);
  }
}

/** Waits for p, but no longer than ms; the timer must not keep the process alive afterwards. */
async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function controlFor(box: SandboxHandle, stop: (reason: EndReason, signal: string) => void): RunControl {
  let interrupts = 0;
  return {
    signal(sig) {
      if (sig === 'SIGINT' && ++interrupts > 1) {
        // A second Ctrl-C means "now", as with most local tools.
        box.kill('SIGKILL').catch(() => {});
        return;
      }
      stop(sig === 'SIGINT' ? 'interrupted' : 'terminated', sig);
    },
    resize(rows, cols) {
      box.resize(rows, cols).catch(() => {});
    },
  };
}

/** False when the engine could not be reached to remove the sandbox. */
async function removeQuietly(box: SandboxHandle): Promise<boolean> {
  // A failed remove is left to the sweeper (labels name this process, which is about to exit).
  return box.remove().then(
    () => true,
    (e: unknown) => !(e instanceof EngineUnavailableError),
  );
}

function outcome(code: number, oom: boolean, ended: EndReason | undefined, o: ExecuteOptions, ms: number, id: string): RunOutcome {
  const base = { durationMs: Math.round(ms), containerId: id, notices: [] as string[] };
  switch (ended) {
    case 'timeout':
      return { ...base, exitCode: EXIT.timeout, reason: 'timeout', message: `timed out after ${formatDuration(o.timeoutMs)} (profile limit limits.timeout); sandbox stopped` };
    case 'output-limit':
      return { ...base, exitCode: EXIT.killed, reason: 'output-limit', message: `output limit ${formatSize(o.outputLimit)} exceeded (profile limit limits.output); sandbox stopped` };
    case 'interrupted':
      return { ...base, exitCode: code === 0 ? 0 : EXIT.interrupted, reason: 'interrupted' };
    case 'terminated':
      return { ...base, exitCode: code, reason: 'terminated' };
  }
  if (oom && code === EXIT.killed) {
    return { ...base, exitCode: EXIT.killed, reason: 'oom', message: `killed: out of memory, the sandbox's memory limit of ${formatSize(o.memoryLimit)} was reached (OOMKilled; raise limits.memory in the profile)` };
  }
  if (oom) {
    // The command survived, but one of its processes (e.g. a compiler) was killed for memory.
    return { ...base, exitCode: code, reason: 'exited', message: `a process in the sandbox was killed: out of memory, the sandbox's memory limit of ${formatSize(o.memoryLimit)} was reached (raise limits.memory in the profile)` };
  }
  if (code === 143 || code === EXIT.killed) {
    // gobox sent no signal and the kernel reported no OOM kill: someone outside stopped it.
    const sig = code === 143 ? 'SIGTERM' : 'SIGKILL';
    return { ...base, exitCode: code, reason: 'exited', message: `the command ended by ${sig} (exit ${code}), not sent by gobox: the engine shutting down, an administrator, or the command itself` };
  }
  return { ...base, exitCode: code, reason: 'exited' };
}
