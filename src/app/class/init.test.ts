import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../common/errors.js';
import { classConfigOf, planClassInit, type ClassInitOptions } from './init.js';
import type { DirProbe, RosterHost } from './roster-checks.js';
import { formatProblem } from './roster.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/class');
const excel = readFileSync(path.join(FIXTURES, 'roster-excel.csv'), 'utf8');

/** The fixture's host: alice and carol exist, dave does not; every directory but dave's is there. */
const host: RosterHost = {
  async lookupUser(name) {
    return { alice: { name: 'alice', uid: 2001, gid: 2001 }, carol: { name: 'carol', uid: 2003, gid: 2003 } }[name];
  },
  async probeDir(dir): Promise<DirProbe> {
    return dir.startsWith('/home/dave') ? { kind: 'missing' } : { kind: 'dir', real: dir, ownerUid: 0, readable: true };
  },
};
const base: ClassInitOptions = { name: 'go101', rosterFile: 'roster.csv', rosterText: excel };

describe('planClassInit', () => {
  it('gives the class config and every roster problem, one line each', async () => {
    const plan = await planClassInit({ ...base, gradingUser: { uid: 3000, gid: 3000 }, jobs: 4, points: [{ test: 'TestAdd*', points: 2 }] }, host);
    expect(plan.config).toEqual({
      name: 'go101', roster: 'roster.csv', profile: 'classroom', timeout: '2m', network: 'none', jobs: 4,
      gradingUser: { uid: 3000, gid: 3000 }, points: [{ test: 'TestAdd*', points: 2 }],
    });
    expect(plan.students.map((s) => [s.id, s.uid])).toEqual([['s01', 2001], ['s02', 3000], ['s03', 2003]]);
    expect(plan.problems.map(formatProblem)).toEqual(['roster.csv:5: student s04: user: unknown unix user dave']);
    expect(plan.rosterText).toBe(excel);
  });

  it('merges parse problems and host problems in line order', async () => {
    const text = 'id,user,name,email,dir\ns1,dave,D,,/home/dave/x\ns2,alice,A,bad,/h/a\ns3,alice,A,,/h/a3\n';
    const plan = await planClassInit({ ...base, rosterText: text }, host);
    expect(plan.problems.map(formatProblem)).toEqual([
      'roster.csv:2: student s1: user: unknown unix user dave',
      'roster.csv:3: student s2: email: expected an email address such as ada@example.edu, or nothing',
    ]);
    expect(plan.students.map((s) => s.id)).toEqual(['s3']);
  });

  it('names a user that no longer exists when the class had them', async () => {
    const previous = { checkedAt: '2026-01-01T00:00:00.000Z', problems: [], students: [{ id: 's04', name: 'D', email: '', user: 'dave', uid: 2004, gid: 2004, dir: '/home/dave/go101', realDir: '/home/dave/go101', line: 5 }] };
    const plan = await planClassInit(base, host, previous);
    expect(plan.problems.map(formatProblem)).toContain('roster.csv:3: student s02: user: no unix user, and the class has no gradingUser to grade submissions without an account');
    expect(plan.problems.map(formatProblem)).toContain('roster.csv:5: student s04: user: user dave no longer exists (uid 2004 when the class was set up)');
  });

  it('throws one line for a roster that is no roster', async () => {
    await expect(planClassInit({ ...base, rosterText: '' }, host)).rejects.toThrow('roster.csv: empty roster (no header, no students)');
    await expect(planClassInit({ ...base, rosterText: 'id,user,name,email,dir\r\n' }, host)).rejects.toThrow(UsageError);
  });
});

describe('classConfigOf', () => {
  it.each([
    [{ jobs: 0 }, 'gobox class init go101: --jobs: expected at least 1 job'],
    [{ name: '../x' }, 'class name: expected a class name'],
    [{ timeout: 'later' }, '--timeout: expected a duration'],
    [{ tests: 'hidden' }, '--tests: expected an absolute path'],
    [{ gradingUser: { uid: 0, gid: 5 } }, '--grading-uid (uid): expected a uid/gid above 0'],
    [{ points: [{ test: 'A', points: -2 }] }, '--points (0.points): expected points of 0 or more'],
  ])('names the flag for %j', (over, expected) => {
    expect(() => classConfigOf({ ...base, ...over })).toThrow(expected);
  });
});
