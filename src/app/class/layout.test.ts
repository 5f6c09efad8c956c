import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempTree } from '../../common/temp-tree.test-util.js';
import { UsageError } from '../../common/errors.js';
import { writeJsonAtomic } from './atomic-write.js';
import { classPaths, finishedStudentIds, lastRunId, listRunIds, newRunId, RUN_ID_RE, runPaths, runStartedAt, sortRunIds } from './layout.js';

describe('class layout paths', () => {
  it('puts a class, its runs and each student\'s result under the state dir', () => {
    const c = classPaths('/var/lib/gobox', 'go101');
    expect(c).toEqual({
      dir: '/var/lib/gobox/classes/go101',
      config: '/var/lib/gobox/classes/go101/class.yaml',
      roster: '/var/lib/gobox/classes/go101/roster.csv',
      students: '/var/lib/gobox/classes/go101/students.json',
      runs: '/var/lib/gobox/classes/go101/runs',
    });
    const r = runPaths(c, '20261202T031541.123Z-a1b2c3');
    expect(r.manifest).toBe('/var/lib/gobox/classes/go101/runs/20261202T031541.123Z-a1b2c3/run.json');
    expect(r.studentResult('s01')).toBe('/var/lib/gobox/classes/go101/runs/20261202T031541.123Z-a1b2c3/students/s01.json');
  });

  it.each(['../etc', 'Go101', '', '.tmp-x', 'a/b'])('refuses the class name %j', (name) => {
    expect(() => classPaths('/s', name)).toThrow(UsageError);
  });

  it('refuses run and student ids that would leave the class dir', () => {
    const c = classPaths('/s', 'c');
    expect(() => runPaths(c, '../../x')).toThrow(/invalid run id/);
    const r = runPaths(c, newRunId());
    expect(() => r.studentResult('../x')).toThrow(/invalid student id/);
    expect(() => r.studentResult('.hidden')).toThrow(UsageError);
  });
});

describe('run ids', () => {
  it('sort by start time as plain strings and give the time back', () => {
    const times = ['2026-12-02T03:15:41.123Z', '2026-12-02T03:15:41.124Z', '2027-01-01T00:00:00.000Z', '2026-11-30T23:59:59.999Z'];
    const ids = times.map((t) => newRunId(new Date(t)));
    for (const id of ids) expect(id).toMatch(RUN_ID_RE);
    expect(newRunId(new Date(times[0]!), 'a1b2c3')).toBe('20261202T031541.123Z-a1b2c3');
    expect([...ids].sort().map((id) => runStartedAt(id)!.toISOString())).toEqual([...times].sort());
    expect(runStartedAt('latest')).toBeUndefined();
  });

  it('ignore what is not a run in a listing', () => {
    expect(sortRunIds(['20270101T000000.000Z-000000', '.tmp-1-x', 'notes.txt', '20261202T031541.123Z-a1b2c3'])).toEqual([
      '20261202T031541.123Z-a1b2c3',
      '20270101T000000.000Z-000000',
    ]);
  });
});

describe('last run', () => {
  const temp = useTempTree('gobox-class-layout-');

  it('is the newest run with a manifest; none before the first', async () => {
    const c = classPaths(temp.dir(), 'go101');
    expect(await listRunIds(c)).toEqual([]);
    expect(await lastRunId(c)).toBeUndefined();
    const older = newRunId(new Date('2026-12-01T10:00:00Z'));
    const newer = newRunId(new Date('2026-12-02T10:00:00Z'));
    const unstarted = newRunId(new Date('2026-12-03T10:00:00Z'));
    for (const id of [older, newer, unstarted]) await mkdir(runPaths(c, id).students, { recursive: true });
    await writeFile(runPaths(c, older).manifest, '{}');
    await writeFile(runPaths(c, newer).manifest, '{}');
    expect(await listRunIds(c)).toEqual([older, newer, unstarted]);
    expect(await lastRunId(c)).toBe(newer);
    expect((await readdir(c.runs)).length).toBe(3);
  });
});

describe('finished students of a run', () => {
  const temp = useTempTree('gobox-class-finished-');

  it('are those whose result was written whole; temps of a killed writer do not count', async () => {
    const run = runPaths(classPaths(temp.dir(), 'go101'), newRunId());
    expect(await finishedStudentIds(run)).toEqual([]);
    await mkdir(run.students, { recursive: true });
    await writeJsonAtomic(run.studentResult('s2'), { id: 's2' });
    await writeJsonAtomic(run.studentResult('s1'), { id: 's1' });
    await writeFile(path.join(run.students, '.tmp-123-write-s3.json-abcd'), '{"id":');
    expect(await finishedStudentIds(run)).toEqual(['s1', 's2']);
  });
});
