import type { TestResult } from './result.js';

/** A test the class expects every student to have: the teacher's hidden tests, or `go test -list`. */
export interface ExpectedTest {
  name: string;
  /** Import path; omitted, the name may be in any package. */
  package?: string;
}

/**
 * The tests that count. A parent with subtests passes or fails through them, so counting both
 * would count one failure twice; the parent is kept only when it failed (or timed out) while none
 * of its subtests did, for example an error after its t.Run calls, so that failure is not lost.
 */
export function gradedTests(tests: readonly TestResult[]): TestResult[] {
  return tests.filter((t) => {
    const children = tests.filter((c) => c.package === t.package && c.name.startsWith(`${t.name}/`));
    if (children.length === 0) return true;
    const bad = (s: TestResult['status']) => s === 'fail' || s === 'timeout';
    return bad(t.status) && !children.some((c) => bad(c.status));
  });
}

/** Expected tests with no result at all (never started, or in a package that did not build). */
export function missingExpected(expected: readonly ExpectedTest[], seen: readonly TestResult[]): { name: string; package: string }[] {
  const missing: { name: string; package: string }[] = [];
  for (const e of expected) {
    const found = seen.some(
      (t) => (e.package === undefined || t.package === e.package) && (t.name === e.name || t.name.startsWith(`${e.name}/`)),
    );
    if (!found) missing.push({ name: e.name, package: e.package ?? '' });
  }
  return missing;
}
