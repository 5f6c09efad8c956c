import type { Readable } from 'node:stream';

/**
 * What a run is, seen from outside: its streams, how it is steered and how it ended. Shared by
 * the run itself (app/run/execute.ts), the wire (client and servers) and the CLI's terminal, so
 * it sits below all of them.
 */
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
  /** A process in the sandbox was killed for memory while the command itself went on (a grading run's test binary). */
  processOomKilled?: boolean;
}

/** Lets the CLI pass on what the terminal does (signals, window size) while the sandbox runs. */
export interface RunControl {
  signal(sig: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGQUIT'): void;
  resize(rows: number, cols: number): void;
}
