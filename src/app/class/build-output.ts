import { MAX_BUILD_LINES } from './result.js';
import { packageOfImportPath } from './test-event.js';

/**
 * Compiler output per package from go test's stderr. Before Go 1.24 test2json carries no build
 * output: the go command writes it to stderr as blocks headed `# example.com/p [example.com/p.test]`.
 * Lines before any header (`go: ...` errors about go.mod, for example) land under ''.
 */
export function buildOutputByPackage(stderr: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current = '';
  for (const line of stderr.split('\n')) {
    const header = /^# (\S.*)$/.exec(line);
    if (header) {
      current = packageOfImportPath(header[1]!);
      if (!blocks.has(current)) blocks.set(current, []);
      continue;
    }
    if (line.trim() === '') continue;
    const lines = blocks.get(current) ?? [];
    lines.push(line);
    blocks.set(current, lines);
  }
  return blocks;
}

/** Go 1.19's plain stdout line for a package that did not build (or whose setup failed). */
export function failedBuildLine(text: string): string | undefined {
  return /^FAIL\s+(\S+)\s+\[(?:build|setup) failed\]\s*$/.exec(text)?.[1];
}

export function firstBuildLines(lines: readonly string[]): string[] {
  return lines.slice(0, MAX_BUILD_LINES);
}
