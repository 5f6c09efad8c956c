import type { EndReason } from '../../common/run-io.js';
import { formatDuration, formatSize } from '../../common/units.js';
import type { StudentStatus } from './result.js';

/**
 * How a student's grading run ended, as the class runner knows it from the run's outcome
 * (common/run-io.ts RunOutcome) and the engine: the facts test2json cannot tell.
 */
export interface RunEnd {
  exitCode: number;
  reason: EndReason;
  durationMs: number;
  /** The sandbox's memory limit, named in the message when the OOM killer ended the run. */
  memoryLimitBytes?: number;
  /** The profile's output cap, named in the message when the run printed past it. */
  outputLimitBytes?: number;
  peakMemoryBytes?: number;
  /** gobox's own line when the run could not be graded at all (engine gone, image missing). */
  message?: string;
}

/** The status an ending forces whatever the tests said, and its one line; undefined if it ended by itself. */
export function forcedEnd(end: RunEnd, goTimeout: string | undefined): { status: StudentStatus; message: string } | undefined {
  switch (end.reason) {
    case 'oom':
      return { status: 'memory-limit', message: oomMessage(end) };
    case 'timeout':
      return { status: 'timeout', message: end.message ?? `wall clock limit reached after ${formatDuration(end.durationMs)}` };
    case 'output-limit':
      return { status: 'error', message: outputLimitMessage(end) };
    case 'interrupted':
    case 'terminated':
      return { status: 'error', message: end.message ?? `grading run ${end.reason}` };
    case 'exited':
      // go test's own -timeout ends the test binary with a panic, not the sandbox: still a timeout.
      return goTimeout === undefined ? undefined : { status: 'timeout', message: `test timed out after ${goTimeout}` };
  }
}

/** What an unfinished test is marked when the run ended this way. */
export function unfinishedStatus(end: RunEnd, timedOut: boolean): { status: 'timeout' | 'fail'; note: string } {
  if (timedOut || end.reason === 'timeout') return { status: 'timeout', note: 'did not finish before the time limit' };
  if (end.reason === 'oom') return { status: 'fail', note: oomMessage(end) };
  if (end.reason === 'output-limit') return { status: 'fail', note: outputLimitMessage(end) };
  return { status: 'fail', note: 'did not finish: the test binary crashed or was stopped' };
}

/** The OOM killer is a limit the student's code hit, not a crash: say so, with the limit. */
function oomMessage(end: RunEnd): string {
  return end.memoryLimitBytes === undefined ? 'memory limit exceeded' : `memory limit exceeded (${formatSize(end.memoryLimitBytes)})`;
}

function outputLimitMessage(end: RunEnd): string {
  return end.outputLimitBytes === undefined ? 'output limit exceeded' : `output limit ${formatSize(end.outputLimitBytes)} exceeded`;
}
