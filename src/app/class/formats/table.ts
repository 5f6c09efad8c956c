import { formatDuration, formatSize } from '../../../common/units.js';
import type { ScoredRun, ScoredStudent } from '../score.js';

/** The terminal table's columns, in order; cli/output.ts printTable aligns and prints them. */
export const TABLE_COLUMNS = ['student', 'passed', 'points', 'status', 'time', 'memory'] as const;
export type TableRow = Record<(typeof TABLE_COLUMNS)[number], string>;

export function tableRows(run: ScoredRun): TableRow[] {
  return run.students.map(tableRow);
}

export function tableRow(s: ScoredStudent): TableRow {
  const total = s.passed + s.failed + s.skipped;
  return {
    student: s.id,
    passed: `${s.passed}/${s.failed}/${total}`,
    points: `${s.points}/${s.maxPoints}`,
    // The reason a run was cut short is what the teacher needs next to its status.
    status: s.message === undefined ? s.status : `${s.status}: ${s.message}`,
    time: formatDuration(Math.round(s.durationMs)),
    memory: s.peakMemoryBytes === undefined ? '-' : formatSize(s.peakMemoryBytes),
  };
}
