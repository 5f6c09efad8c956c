import { z } from '../../common/zod.js';

/**
 * One line of `go test -json` (cmd/test2json). Actions known today: start, run, pause, cont,
 * pass, fail, skip, output, bench, and since Go 1.24 build-output and build-fail (keyed by
 * ImportPath, with FailedBuild on the package's fail). Later Go versions add actions (attr,
 * artifacts): the schema accepts any action so a newer toolchain never breaks grading.
 */
export const testEventSchema = z.object({
  Time: z.string().optional(),
  Action: z.string(),
  Package: z.string().optional(),
  Test: z.string().optional(),
  Elapsed: z.number().optional(),
  Output: z.string().optional(),
  ImportPath: z.string().optional(),
  FailedBuild: z.string().optional(),
});
export type TestEvent = z.infer<typeof testEventSchema>;

export type ParsedLine = { kind: 'event'; event: TestEvent } | { kind: 'text'; text: string };

/**
 * A line that is not a test2json event is kept as text: Go 1.19 prints `FAIL pkg [build failed]`
 * to stdout as plain text, and an output cap can cut the last line in half.
 */
export function parseTestLine(line: string): ParsedLine {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = testEventSchema.safeParse(JSON.parse(trimmed));
      if (parsed.success) return { kind: 'event', event: parsed.data };
    } catch {
      // not JSON: fall through to text
    }
  }
  return { kind: 'text', text: line };
}

/** `example.com/p [example.com/p.test]` (the test variant go builds) -> `example.com/p`. */
export function packageOfImportPath(importPath: string): string {
  return importPath.replace(/\s+\[.*\]$/, '');
}
