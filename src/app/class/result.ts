import { z } from '../../common/zod.js';

/**
 * One student's graded run, as the class runner stores it per run and every result format reads
 * it. zod is the single source of these types because stored results are read back from disk
 * (`gobox class results --run ID`) and must be checked, not cast.
 */
export const TEST_STATUSES = ['pass', 'fail', 'skip', 'timeout'] as const;
export const testStatusSchema = z.enum(TEST_STATUSES);
export type TestStatus = z.infer<typeof testStatusSchema>;

export const STUDENT_STATUSES = ['ok', 'tests-failed', 'build-failed', 'timeout', 'memory-limit', 'error'] as const;
export const studentStatusSchema = z.enum(STUDENT_STATUSES);
export type StudentStatus = z.infer<typeof studentStatusSchema>;

export const testResultSchema = z.object({
  /** Go's own name: `TestX`, subtests `TestX/case` (spaces already replaced by Go). */
  name: z.string(),
  /** Import path of the package, e.g. `example.com/hw1/stack`. */
  package: z.string(),
  status: testStatusSchema,
  /** Seconds, as test2json reports them. */
  elapsed: z.number().nonnegative(),
  /** The test's own output without go test's framing lines, capped (see MAX_OUTPUT_LINES). */
  output: z.string(),
});
export type TestResult = z.infer<typeof testResultSchema>;

export const buildFailureSchema = z.object({
  package: z.string(),
  /** The compiler's first lines, without the `# package` header. */
  lines: z.array(z.string()),
});
export type BuildFailure = z.infer<typeof buildFailureSchema>;

/** A package that failed with no failing test of its own: a panic in init, TestMain or a goroutine. */
export const packageFailureSchema = z.object({
  package: z.string(),
  output: z.string(),
});
export type PackageFailure = z.infer<typeof packageFailureSchema>;

export const studentResultSchema = z.object({
  id: z.string(),
  status: studentStatusSchema,
  /** One line for the teacher when the run ended other than by itself (OOM, timeout, output cap). */
  message: z.string().optional(),
  tests: z.array(testResultSchema),
  buildFailures: z.array(buildFailureSchema),
  packageFailures: z.array(packageFailureSchema),
  durationMs: z.number().nonnegative(),
  peakMemoryBytes: z.number().nonnegative().optional(),
  exitCode: z.number().int(),
});
export type StudentResult = z.infer<typeof studentResultSchema>;

/** Caps what is kept of any one output, so a flooding student cannot bloat the stored results. */
export const MAX_OUTPUT_LINES = 60;
export const MAX_OUTPUT_CHARS = 8192;
export const MAX_BUILD_LINES = 10;

export function capOutput(lines: readonly string[]): string {
  let text = lines.slice(0, MAX_OUTPUT_LINES).join('\n');
  let cut = lines.length > MAX_OUTPUT_LINES;
  if (text.length > MAX_OUTPUT_CHARS) {
    text = text.slice(0, MAX_OUTPUT_CHARS);
    cut = true;
  }
  return cut ? `${text}\n[output truncated]` : text;
}

/** One class run as stored (`gobox class results --run ID` reads it back through this schema). */
export const classRunSchema = z.object({
  runId: z.string(),
  className: z.string(),
  /** The Go version every student was graded with, e.g. `go1.26.8`. */
  toolchain: z.string(),
  profile: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  students: z.array(studentResultSchema),
});
export type ClassRun = z.infer<typeof classRunSchema>;
