import type { ScoredRun } from '../score.js';

/** `--format csv`: one row per student for an LMS gradebook import. */
export const CSV_COLUMNS = ['student_id', 'score', 'max_score', 'status', 'passed', 'failed', 'skipped', 'duration_s', 'message'] as const;

export function resultsCsv(run: ScoredRun): string {
  const rows = run.students.map((s) => [
    s.id,
    String(s.points),
    String(s.maxPoints),
    s.status,
    String(s.passed),
    String(s.failed),
    String(s.skipped),
    (s.durationMs / 1000).toFixed(1),
    s.message ?? '',
  ]);
  return [[...CSV_COLUMNS], ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled; lines end in CRLF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
