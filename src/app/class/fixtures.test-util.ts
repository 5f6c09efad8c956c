import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunEnd } from './run-end.js';
import { scoreRun, type ScoredRun } from './score.js';
import { studentResult } from './test-events.js';

/** The real `go test -json` output that scripts/class-fixtures.sh stored for each toolchain. */
export const GO_VERSIONS = ['go1.26', 'go1.19'] as const;
const root = fileURLToPath(new URL('../../../test/fixtures/class/test2json/', import.meta.url));

export function fixture(version: string, module: string): { stdout: string; stderr: string; end: RunEnd } {
  const read = (ext: string) => readFileSync(`${root}${version}/${module}.${ext}`, 'utf8');
  return { stdout: read('jsonl'), stderr: read('stderr'), end: { exitCode: Number(read('exit').trim()), reason: 'exited', durationMs: 1000 } };
}

/**
 * A class run built from the real fixtures: one student per module, ids that every format must
 * escape, and the two endings test2json cannot show (an OOM kill, a wall-clock timeout).
 */
export function sampleRun(version = 'go1.26'): ScoredRun {
  const oom = fixture(version, 'loop');
  const students = [
    studentResult({ id: 'alice', ...fixture(version, 'pass') }),
    studentResult({ id: 'bob, "the <builder>" & co', ...fixture(version, 'failing') }),
    studentResult({ id: 'chloé', ...fixture(version, 'nocompile'), expected: [{ name: 'TestTwo', package: 'example.com/nocompile/broken' }] }),
    studentResult({ id: 'dmitri|x', ...fixture(version, 'panic') }),
    studentResult({ id: 'eve', ...fixture(version, 'subtests') }),
    studentResult({ id: 'farid', ...fixture(version, 'loop'), expected: [{ name: 'TestNeverStarted', package: 'example.com/loop' }] }),
    studentResult({
      id: 'gao',
      ...oom,
      stdout: oom.stdout.slice(0, oom.stdout.indexOf('panic: test timed out')),
      end: { exitCode: 137, reason: 'oom', durationMs: 2500, memoryLimitBytes: 256 * 1024 ** 2, peakMemoryBytes: 256 * 1024 ** 2 },
    }),
  ];
  const run = { runId: '20261202-031500', className: 'go101 <spring & "fall">', toolchain: 'go1.26.8', profile: 'classroom', startedAt: '2026-12-02T03:15:00Z', finishedAt: '2026-12-02T03:16:00Z', students };
  return scoreRun(run, [{ test: 'TestUpper/*', points: 2 }, { test: 'TestMax', points: 3 }]);
}
