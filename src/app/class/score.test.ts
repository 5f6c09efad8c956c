import { describe, expect, it } from 'vitest';
import { fixture } from './fixtures.test-util.js';
import { pointsFor, scoreStudent } from './score.js';
import { studentResult } from './test-events.js';

describe('pointsFor', () => {
  const rules = [
    { test: 'TestUpper/wrong', points: 5 },
    { test: 'TestUpper/*', points: 2 },
    { test: 'Test*Skip*', points: 0.5 },
    { test: 'a.b(c)', points: 7 },
  ];
  it('first matching rule wins, exact names and globs', () => {
    expect(pointsFor('TestUpper/wrong', rules)).toBe(5);
    expect(pointsFor('TestUpper/plain', rules)).toBe(2);
    expect(pointsFor('TestSubSkip/runs', rules)).toBe(0.5);
  });
  it('a test no rule matches is worth 1; a glob is anchored; regexp characters are literal', () => {
    expect(pointsFor('TestOther', rules)).toBe(1);
    expect(pointsFor('XTestUpper/plain', rules)).toBe(1);
    expect(pointsFor('TestUpper', rules)).toBe(1);
    expect(pointsFor('a.b(c)', rules)).toBe(7);
    expect(pointsFor('aXb(c)', rules)).toBe(1);
  });
});

describe('scoreStudent', () => {
  it('scores the real subtests run: passes earn, fail and skip earn nothing but count in the max', () => {
    const r = studentResult({ id: 's', ...fixture('go1.26', 'subtests') });
    const s = scoreStudent(r, [{ test: 'TestUpper/wrong', points: 5 }, { test: 'TestUpper/*', points: 2 }, { test: 'TestSubSkip/skips', points: 0 }]);
    expect([s.passed, s.failed, s.skipped]).toEqual([6, 2, 2]);
    // 4 passing TestUpper cases x 2 + TestSubSkip/runs 1 + TestParentOwn/inner 1;
    // the max adds wrong 5, TestSkipped 1 and the failing TestParentOwn 1 (skips is worth 0).
    expect(s.points).toBe(10);
    expect(s.maxPoints).toBe(17);
    expect(s.tests.find((t) => t.name === 'TestUpper/wrong')).toMatchObject({ points: 0, maxPoints: 5 });
  });

  it('timed-out tests count as failed, with no points; sums stay exact in hundredths', () => {
    const r = studentResult({ id: 's', ...fixture('go1.19', 'loop'), expected: [{ name: 'TestNeverStarted' }] });
    const s = scoreStudent(r, [{ test: '*', points: 0.1 }]);
    expect([s.passed, s.failed, s.timedOut]).toEqual([1, 2, 2]);
    expect(s.points).toBe(0.1);
    expect(s.maxPoints).toBe(0.3);
  });
});
