import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GO_VERSIONS, sampleRun } from '../fixtures.test-util.js';
import { CSV_COLUMNS, resultsCsv } from './csv.js';
import { gradescopeRun } from './gradescope.js';
import { resultsJson } from './json.js';
import { tableRows } from './table.js';

describe.each(GO_VERSIONS)('text formats of a real %s class run', (version) => {
  const run = sampleRun(version);

  it('CSV parses back with a CSV parser, ids with commas, quotes, <, & and non-ASCII intact', () => {
    const text = resultsCsv(run);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = z.array(z.record(z.string(), z.string())).parse(parse(text, { columns: true, record_delimiter: '\r\n' }));
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
    expect(rows.map((r) => r.student_id)).toEqual(['alice', 'bob, "the <builder>" & co', 'chloé', 'dmitri|x', 'eve', 'farid', 'gao']);
    for (const [i, s] of run.students.entries()) {
      expect(rows[i]).toMatchObject({ score: String(s.points), max_score: String(s.maxPoints), status: s.status, message: s.message ?? '' });
    }
    expect(rows[6]!.message).toBe('memory limit exceeded (256 MiB)');
  });

  it('JSON has the shape the issue names, with every test', () => {
    const doc = z
      .object({
        runId: z.string(),
        toolchain: z.string(),
        profile: z.string(),
        startedAt: z.string(),
        finishedAt: z.string().nullable(),
        students: z.array(
          z.object({
            id: z.string(),
            status: z.enum(['ok', 'tests-failed', 'build-failed', 'timeout', 'memory-limit', 'error']),
            passed: z.number(),
            failed: z.number(),
            skipped: z.number(),
            points: z.number(),
            maxPoints: z.number(),
            tests: z.array(z.object({ name: z.string(), package: z.string(), status: z.string(), elapsed: z.number() })),
          }),
        ),
      })
      .parse(JSON.parse(resultsJson(run)));
    expect(doc.students.map((s) => [s.id, s.status, s.points, s.maxPoints])).toEqual(
      run.students.map((s) => [s.id, s.status, s.points, s.maxPoints]),
    );
    expect(doc.students.find((s) => s.id === 'eve')!.tests.map((t) => t.name)).toContain('TestUpper/größe_é');
    expect(doc.students.find((s) => s.id === 'farid')!.tests.map((t) => t.status)).toEqual(['pass', 'timeout', 'timeout']);
  });

  it('Gradescope results.json per student: scores add up, hidden tests after_published by default', () => {
    const hidden = (t: { name: string }) => t.name.startsWith('TestUpper/');
    const files = gradescopeRun(run, { isHidden: hidden });
    expect([...files.keys()]).toEqual(run.students.map((s) => s.id));
    const gs = z.object({
      score: z.number(),
      max_score: z.number(),
      output: z.string(),
      tests: z.array(z.object({ name: z.string(), score: z.number(), max_score: z.number(), status: z.enum(['passed', 'failed']), output: z.string(), visibility: z.string() })),
    });
    for (const s of run.students) {
      const r = gs.parse(JSON.parse(files.get(s.id)!));
      expect(r.score).toBe(s.points);
      expect(r.max_score).toBe(s.maxPoints);
      expect(r.tests.reduce((n, t) => n + t.score, 0)).toBeCloseTo(r.score);
    }
    const eve = gs.parse(JSON.parse(files.get('eve')!));
    expect(eve.tests.find((t) => t.name.endsWith('TestUpper/wrong'))).toMatchObject({ status: 'failed', visibility: 'after_published', max_score: 2 });
    expect(eve.tests.find((t) => t.name.endsWith('TestSkipped'))).toMatchObject({ status: 'failed', visibility: 'visible', output: 'skipped\n    names_test.go:28: needs a network' });
    const chloe = gs.parse(JSON.parse(files.get('chloé')!));
    expect(chloe.output).toContain('build failed: example.com/nocompile/broken');
    const shown = gs.parse(JSON.parse(gradescopeRun(run, { isHidden: hidden, hiddenVisibility: 'hidden' }).get('eve')!));
    expect(shown.tests.filter((t) => t.visibility === 'hidden')).toHaveLength(5);
  });

  it('table rows: passed/failed/total, points, status with its reason, peak memory', () => {
    const rows = tableRows(run);
    expect(rows.find((r) => r.student === 'eve')).toMatchObject({ passed: '6/2/10', points: '10/15', status: 'tests-failed' });
    expect(rows.find((r) => r.student === 'gao')).toMatchObject({ status: 'memory-limit: memory limit exceeded (256 MiB)', memory: '256 MiB', time: '2.5s' });
    expect(rows.find((r) => r.student === 'alice')!.memory).toBe('-');
  });
});
