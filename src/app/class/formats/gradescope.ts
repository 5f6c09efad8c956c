import type { ScoredRun, ScoredStudent } from '../score.js';

/** Gradescope's visibility values for a test or the whole result. */
export type GradescopeVisibility = 'visible' | 'hidden' | 'after_due_date' | 'after_published';

export interface GradescopeOptions {
  /** Which tests are the teacher's hidden ones (the class runner knows them from `--tests DIR`). */
  isHidden?: (test: { name: string; package: string }) => boolean;
  /** What students see of a hidden test; default after_published, so nothing of it shows before grades do. */
  hiddenVisibility?: GradescopeVisibility;
}

export interface GradescopeTest {
  name: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  output: string;
  output_format: 'text';
  visibility: GradescopeVisibility;
}

export interface GradescopeResults {
  score: number;
  max_score: number;
  execution_time: number;
  output: string;
  output_format: 'text';
  test_output_format: 'text';
  tests: GradescopeTest[];
}

/**
 * One student's Gradescope autograder `results.json`. Gradescope knows only passed and failed,
 * so a skip or a timeout is `failed` and its output says which. What is not a test (the run's
 * status line, compiler errors, package panics) goes in the top-level output.
 */
export function gradescopeResults(s: ScoredStudent, opts: GradescopeOptions = {}): GradescopeResults {
  const hiddenVisibility = opts.hiddenVisibility ?? 'after_published';
  const tests = s.tests.map((t): GradescopeTest => {
    const note = t.status === 'skip' ? 'skipped' : t.status === 'timeout' ? 'timed out' : '';
    return {
      name: t.package === '' ? t.name : `${t.package}: ${t.name}`,
      score: t.points,
      max_score: t.maxPoints,
      status: t.status === 'pass' ? 'passed' : 'failed',
      output: [note, t.output].filter((x) => x !== '').join('\n'),
      output_format: 'text',
      visibility: opts.isHidden?.(t) ? hiddenVisibility : 'visible',
    };
  });
  const lines = [`status: ${s.status}${s.message === undefined ? '' : ` (${s.message})`}`];
  for (const b of s.buildFailures) lines.push(`build failed: ${b.package}`, ...b.lines);
  for (const p of s.packageFailures) lines.push(`package failed: ${p.package}`, p.output);
  return {
    score: s.points,
    max_score: s.maxPoints,
    execution_time: Math.round(s.durationMs / 1000),
    output: lines.join('\n'),
    output_format: 'text',
    test_output_format: 'text',
    tests,
  };
}

/** Every student's results.json, by student id (the CLI writes one file each). */
export function gradescopeRun(run: ScoredRun, opts: GradescopeOptions = {}): Map<string, string> {
  return new Map(run.students.map((s) => [s.id, `${JSON.stringify(gradescopeResults(s, opts), null, 2)}\n`]));
}
