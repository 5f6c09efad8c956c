import type { ClassRun, StudentResult, TestResult } from './result.js';

/**
 * Points for tests, from the class config: `test` is a Go test name (subtests `Parent/Sub`) or a
 * glob where `*` stands for any run of characters, `/` included. The first matching rule wins;
 * a test no rule matches is worth DEFAULT_POINTS.
 */
export interface PointsRule {
  test: string;
  points: number;
}
export const DEFAULT_POINTS = 1;

export interface ScoredTest extends TestResult {
  points: number;
  maxPoints: number;
}

export interface ScoredStudent extends Omit<StudentResult, 'tests'> {
  tests: ScoredTest[];
  passed: number;
  failed: number;
  skipped: number;
  /** Tests a time limit cut off; they count as failed too. */
  timedOut: number;
  points: number;
  maxPoints: number;
}

export type ScoredRun = Omit<ClassRun, 'students'> & { students: ScoredStudent[] };

export function pointsFor(name: string, rules: readonly PointsRule[]): number {
  for (const rule of rules) if (globMatches(rule.test, name)) return rule.points;
  return DEFAULT_POINTS;
}

function globMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}$`, 's').test(name);
}

/**
 * A student's points: a passing test earns its points; a failed, timed-out or skipped one earns
 * none but still counts in maxPoints (a skip is no way out of a test; a rule of 0 points is).
 */
export function scoreStudent(result: StudentResult, rules: readonly PointsRule[]): ScoredStudent {
  const tests = result.tests.map((t) => {
    const maxPoints = pointsFor(t.name, rules);
    return { ...t, points: t.status === 'pass' ? maxPoints : 0, maxPoints };
  });
  const count = (s: TestResult['status']) => tests.filter((t) => t.status === s).length;
  return {
    ...result,
    tests,
    passed: count('pass'),
    failed: count('fail') + count('timeout'),
    skipped: count('skip'),
    timedOut: count('timeout'),
    points: sum(tests.map((t) => t.points)),
    maxPoints: sum(tests.map((t) => t.maxPoints)),
  };
}

export function scoreRun(run: ClassRun, rules: readonly PointsRule[]): ScoredRun {
  return { ...run, students: run.students.map((s) => scoreStudent(s, rules)) };
}

/** Sums in hundredths, so 0.1 + 0.2 points print as 0.3 and not 0.30000000000000004. */
function sum(values: readonly number[]): number {
  return Math.round(values.reduce((a, b) => a + b * 100, 0)) / 100;
}
