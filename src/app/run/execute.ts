import type { Writable } from 'node:stream';
import { EngineUnavailableError, errorMessage, EXIT } from '../../common/errors.js';
import { logger } from '../../common/logger.js';
import { shortId } from '../../common/short-id.js';
import { formatDuration, formatSize } from '../../common/units.js';
import type { AttachEnd, Engine, SandboxHandle } from '../../engine/index.js';
import type { SandboxSpec } from '../../sandbox/types.js';
import { execFailureRewriter, OutputCap, type ExecFailure } from './output-cap.js';
import { startFailure } from './start-failure.js';
import { recordWarning, type WarningKind } from '../checks/warning-log.js';
import type { EndReason, RunControl, RunIO, RunOutcome } from '../../common/run-io.js';

export type { EndReason, RunControl, RunIO, RunOutcome } from '../../common/run-io.js';

export interface ExecuteOptions {
  timeoutMs: number;
  outputLimit: number;
  memoryLimit: number;
  /** How long a signalled command gets before it is killed. */
  graceMs?: number;
  onStart?: (control: RunControl) => void;
  /**
   * Called once a sandbox was created for this run, before its start: `remove` takes it away. The
   * CLI keeps it for a Ctrl-C that comes before the start, which ends gobox at once and would
   * leave the sandbox to start and run on its own (cli/terminal.ts).
   */
  onCreate?: (remove: () => Promise<void>) => void;
  /** A sandbox started ahead for this run (app/warm/pool.ts), waiting for its command. */
  warm?: WarmSandbox;
  /**
   * The agent: the sandbox of a run that ended on its own is removed after the caller has its
   * exit status (the engine's remove is 50-75 ms of a short run); what the removal has to say
   * comes with the next run. See removableLater for the runs that are not.
   */
  removeLater?: (task: () => Promise<string[]>) => void;
}

/**
 * A sandbox already running the launcher (app/warm/pool.ts): `launch` hands it the command, and the
 * line "go" on its stdin sets it off, so no byte of the caller's stdin is read before.
 */
export interface WarmSandbox {
  box: SandboxHandle;
  launch(command: string[]): Promise<void>;
  /**
   * The attach made before the sandbox started (app/warm/output-relay.ts says why): the run's
   * output goes to stdout and stderr from now on; `stdin` takes the "go" and then the run's stdin.
   */
  connect(stdout: Writable, stderr: Writable): { stdin: Writable; attached: { detach(): void; ended: Promise<AttachEnd | void> } };
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
  if (!o.warm) o.onCreate?.(() => box.remove().catch(() => undefined));
  // A warm sandbox reads "go" before the command starts; the caller's stdin follows it.
  let gate: Writable | undefined;
  const log = logger('run').forContainer(box.id);
  let ended: EndReason | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  // Failures on the way (a signal not delivered, output cut short): told after the run, never dropped.
  const warnings: { kind: WarningKind; text: string }[] = [];
  const send = sender(box, (kind, text) => warnings.push({ kind, text }));
  const stop = (reason: EndReason, signal: string) => {
    ended ??= reason;
    send(signal, reason);
    killTimer ??= setTimeout(() => send('SIGKILL', reason), o.graceMs ?? 5000);
  };
  const cap = new OutputCap(o.outputLimit, () => {
    ended ??= 'output-limit';
    send('SIGKILL', 'output-limit');
  });
  const timeout = o.timeoutMs > 0 ? setTimeout(() => stop('timeout', 'SIGTERM'), o.timeoutMs) : undefined;
  let attached: { detach(): void; ended: Promise<AttachEnd | void> } | undefined;
  let execFailure: ExecFailure | undefined;
  try {
    const stdout = cap.wrap(io.stdout) as Writable;
    const stderr = cap.wrap(io.stderr, spec.tty ? undefined : execFailureRewriter(spec.command[0], (kind) => (execFailure = kind))) as Writable;
    attached = await log.time('attach', async () => {
      if (!o.warm) return box.attach({ stdin: spec.stdin ? io.stdin : undefined, stdout, stderr, tty: spec.tty });
      const early = o.warm.connect(stdout, stderr);
      gate = early.stdin;
      return early.attached;
    });
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
    o.onStart?.(controlFor(box, stop, send));
    const result = await waiting;
    const stream = await settleWithin(attached.ended, DRAIN_MS);
    attached.detach();
    if (stream?.error) {
      warnings.push({ kind: 'output-stream', text: `warning: the output stream from the sandbox broke (${stream.error}); what the command wrote after that is missing (its exit status is still its own)` });
    }
    // The init could not exec the command: the status a shell gives (Podman's init says 1).
    const code = execFailure === 'not-found' ? EXIT.notFound : execFailure === 'not-executable' ? EXIT.notExecutable : result.exitCode;
    const done = outcome(code, result.oomKilled, ended, o, performance.now() - started, box.id);
    // An engine that copied the project back (Kubernetes) says what it could not copy.
    done.notices.push(...(result.notices ?? []));
    clearTimers();
    if (o.removeLater && removableLater(done.exitCode, ended, stream?.error)) {
      o.removeLater(() => removeAfterReply(box, log));
      done.notices.push(...warnings.map((w) => w.text));
      for (const w of warnings) await recordWarning(w.kind, w.text);
      return done;
    }
    const removal = await log.time('remove container', () => removeQuietly(box));
    if (removal === 'unavailable') {
      // The engine itself stopped (a restart, say): the exit status came from its shutdown.
      done.notices.push(`the container engine went away during the run (exit ${done.exitCode} came from its shutdown); the next gobox run removes the sandbox`);
    } else if (removal !== 'removed') warnings.push({ kind: 'sandbox-remove', text: removalWarning(box.id, removal) });
    done.notices.push(...warnings.map((w) => w.text));
    for (const w of warnings) await recordWarning(w.kind, w.text);
    return done;
  } catch (e) {
    clearTimers();
    // Podman keeps a container locked while an attach is open: let go before removing it.
    attached?.detach();
    const removal = await log.time('remove container', () => removeQuietly(box));
    // The error is what the user sees; a sandbox left behind is kept for gobox doctor.
    if (removal !== 'removed' && removal !== 'unavailable') await recordWarning('sandbox-remove', removalWarning(box.id, removal));
    throw e;
  }

  function clearTimers(): void {
    clearTimeout(timeout);
    clearTimeout(killTimer);
  }
}

/** p's value, or undefined after ms; the timer must not keep the process alive afterwards. */
async function settleWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const value = await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  clearTimeout(timer);
  return value;
}

type Send = (signal: string, why: string) => void;

/**
 * Sends signals to the sandbox. One that cannot be delivered is a warning; a SIGKILL that
 * cannot be delivered becomes a forced removal, so a limit (timeout, output cap) still ends the
 * run instead of waiting on a command nobody can stop.
 */
function sender(box: SandboxHandle, warn: (kind: WarningKind, text: string) => void): Send {
  return (signal, why) => {
    box.kill(signal).catch((e: unknown) => {
      const failed = `could not send ${signal} to the sandbox (${why}): ${errorMessage(e)}`;
      if (signal !== 'SIGKILL') return warn('sandbox-stop', `warning: ${failed}`);
      // Said before the removal: once the sandbox is gone, the run ends and reports at once.
      warn('sandbox-stop', `warning: ${failed}; removing it by force instead`);
      return box.remove().catch((e2: unknown) => warn('sandbox-stop', `warning: removing the sandbox failed too (${errorMessage(e2)}); it may still run: ${forceRemoval(box.id)}`));
    });
  };
}

function controlFor(box: SandboxHandle, stop: (reason: EndReason, signal: string) => void, send: Send): RunControl {
  let interrupts = 0;
  return {
    signal(sig) {
      if (sig === 'SIGINT' && ++interrupts > 1) {
        // A second Ctrl-C means "now", as with most local tools.
        send('SIGKILL', 'interrupted twice');
        return;
      }
      stop(sig === 'SIGINT' ? 'interrupted' : 'terminated', sig);
    },
    resize(rows, cols) {
      box.resize(rows, cols).catch(() => {});
    },
  };
}

/** 'removed', 'unavailable' (the engine could not be reached), or why the removal failed. */
async function removeQuietly(box: SandboxHandle): Promise<string> {
  return box.remove().then(
    () => 'removed',
    (e: unknown) => (e instanceof EngineUnavailableError ? 'unavailable' : errorMessage(e)),
  );
}

/**
 * Whether a run's removal may wait until the caller has its exit status: only for a command
 * that ended on its own with a status below 128, and whose output came through whole. A stop by
 * gobox, a signal's status, a broken stream: there the removal tells whether the engine itself
 * went away, which is what the caller must hear with that status.
 */
export function removableLater(exitCode: number, ended: EndReason | undefined, streamError: unknown): boolean {
  return ended === undefined && exitCode < 128 && !streamError;
}

/** The removal the agent makes after the reply: a failure is recorded and told with the next run. */
async function removeAfterReply(box: SandboxHandle, log: ReturnType<typeof logger>): Promise<string[]> {
  const removal = await log.time('remove container (after the reply)', () => removeQuietly(box));
  if (removal === 'removed') return [];
  // Even an engine gone since the command's clean exit is said: the agent that owns the sandbox
  // lives on, so the sweep leaves it until the agent has exited, and the hint removes it sooner.
  const text = removalWarning(box.id, removal === 'unavailable' ? 'the container engine went away' : removal);
  await recordWarning('sandbox-remove', text);
  return [text];
}

/** A failed remove is left to the sweeper (labels name this process, which is about to exit), and said so. */
function removalWarning(id: string, why: string): string {
  return `warning: could not remove the sandbox ${shortId(id)} (${why}); the next gobox run or gobox gc removes it (or: ${forceRemoval(id)})`;
}

/** How to remove a sandbox by hand: docker's command for a container; for a pod (whose namespace and credentials the user may not have), gobox gc once this run has exited. */
const forceRemoval = (id: string) => (shortId(id) === id ? 'gobox gc' : `docker rm -f ${shortId(id)}`);

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
    return { ...base, exitCode: code, reason: 'exited', processOomKilled: true, message: `a process in the sandbox was killed: out of memory, the sandbox's memory limit of ${formatSize(o.memoryLimit)} was reached (raise limits.memory in the profile)` };
  }
  if (code === 143 || code === EXIT.killed) {
    // gobox sent no signal and the kernel reported no OOM kill: someone outside stopped it.
    const sig = code === 143 ? 'SIGTERM' : 'SIGKILL';
    return { ...base, exitCode: code, reason: 'exited', message: `the command ended by ${sig} (exit ${code}), not sent by gobox: the engine shutting down, an administrator, or the command itself` };
  }
  return { ...base, exitCode: code, reason: 'exited' };
}
