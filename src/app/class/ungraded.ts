import type { StudentResult } from './result.js';
import type { ExpectedTest } from './test-tree.js';

/**
 * A student the class run could not grade (missing or unreadable directory, unknown unix user,
 * the engine failing for that sandbox): status `error` with the one line the teacher sees, and
 * every expected test failed, so the student's maxPoints match the class and nobody is dropped.
 */
export function ungradedStudent(input: {
  id: string;
  message: string;
  expected?: readonly ExpectedTest[];
  durationMs?: number;
  exitCode?: number;
}): StudentResult {
  return {
    id: input.id,
    status: 'error',
    message: input.message,
    tests: (input.expected ?? []).map((t) => ({
      name: t.name,
      package: t.package ?? '',
      status: 'fail' as const,
      elapsed: 0,
      output: 'not graded',
    })),
    buildFailures: [],
    packageFailures: [],
    durationMs: input.durationMs ?? 0,
    exitCode: input.exitCode ?? 125,
  };
}
