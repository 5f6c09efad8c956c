import type { ScoredRun } from '../score.js';

/**
 * `--format json`: the run and, per student, the counts, points and every test. A test's output
 * is kept only where it did not pass: that is where a teacher looks, and it keeps the file small.
 */
export function resultsJson(run: ScoredRun): string {
  const doc = {
    runId: run.runId,
    className: run.className,
    toolchain: run.toolchain,
    profile: run.profile,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    students: run.students.map((s) => ({
      id: s.id,
      status: s.status,
      message: s.message ?? null,
      passed: s.passed,
      failed: s.failed,
      skipped: s.skipped,
      points: s.points,
      maxPoints: s.maxPoints,
      durationMs: s.durationMs,
      peakMemoryBytes: s.peakMemoryBytes ?? null,
      exitCode: s.exitCode,
      buildFailures: s.buildFailures,
      packageFailures: s.packageFailures,
      tests: s.tests.map((t) => ({
        name: t.name,
        package: t.package,
        status: t.status,
        elapsed: t.elapsed,
        points: t.points,
        maxPoints: t.maxPoints,
        ...(t.status === 'pass' ? {} : { output: t.output }),
      })),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
