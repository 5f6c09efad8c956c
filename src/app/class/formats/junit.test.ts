import { describe, expect, it } from 'vitest';
import { GO_VERSIONS, sampleRun } from '../fixtures.test-util.js';
import { resultsJunit } from './junit.js';
import { all, elements, parseXml, textOf } from './xml-tree.test-util.js';

describe.each(GO_VERSIONS)('JUnit XML of a real %s class run', (version) => {
  const run = sampleRun(version);
  const doc = parseXml(resultsJunit(run));

  it('parses strictly, one testsuite per student, names round-trip (commas, quotes, <, &, non-ASCII)', () => {
    expect(doc.name).toBe('testsuites');
    expect(doc.attrs.name).toBe('go101 <spring & "fall">');
    expect(all(doc, 'testsuite').map((s) => s.attrs.name)).toEqual(run.students.map((s) => s.id));
  });

  it('every test is a testcase with its package, status element and output', () => {
    for (const [i, suite] of all(doc, 'testsuite').entries()) {
      const student = run.students[i]!;
      const cases = all(suite, 'testcase').filter((c) => !c.attrs.name!.startsWith('['));
      expect(cases.map((c) => [c.attrs.name, c.attrs.classname])).toEqual(student.tests.map((t) => [t.name, t.package]));
      for (const [j, c] of cases.entries()) {
        const t = student.tests[j]!;
        const kinds = elements(c).map((e) => e.name);
        expect(kinds).toEqual({ pass: [], fail: ['failure'], skip: ['skipped'], timeout: ['error'] }[t.status]);
        if (t.status === 'fail' || t.status === 'timeout') expect(textOf(elements(c)[0]!)).toBe(t.output);
      }
      const props = Object.fromEntries(all(suite, 'property').map((p) => [p.attrs.name, p.attrs.value]));
      expect(props).toEqual({ status: student.status, points: String(student.points), maxPoints: String(student.maxPoints) });
      expect(Number(suite.attrs.tests)).toBe(all(suite, 'testcase').length);
      expect(Number(suite.attrs.failures)).toBe(all(suite, 'failure').length);
      expect(Number(suite.attrs.errors)).toBe(all(suite, 'error').length);
      expect(Number(suite.attrs.skipped)).toBe(all(suite, 'skipped').length);
    }
  });

  it('names with the special characters of the subtests module survive', () => {
    const eve = all(doc, 'testsuite').find((s) => s.attrs.name === 'eve')!;
    const names = all(eve, 'testcase').map((c) => c.attrs.name);
    expect(names).toContain('TestUpper/comma,_"quoted"');
    expect(names).toContain('TestUpper/less<than_&_amp');
    expect(names).toContain('TestUpper/größe_é');
    const wrong = all(eve, 'testcase').find((c) => c.attrs.name === 'TestUpper/wrong')!;
    expect(textOf(all(wrong, 'failure')[0]!)).toContain('want "x" <&>');
  });

  it('a build failure, a package panic and an OOM kill are error testcases', () => {
    const suite = (id: string) => all(doc, 'testsuite').find((s) => s.attrs.name === id)!;
    const build = all(suite('chloé'), 'testcase').find((c) => c.attrs.name === '[build] example.com/nocompile/broken')!;
    expect(textOf(all(build, 'error')[0]!)).toMatch(/broken\/broken\.go:6:9: cannot use "two"/);
    expect(all(suite('dmitri|x'), 'testcase').map((c) => c.attrs.name)).toContain('[package] example.com/panic/atinit');
    const oom = all(suite('gao'), 'testcase').find((c) => c.attrs.name === '[run]')!;
    expect(all(oom, 'error')[0]!.attrs.message).toBe('memory limit exceeded (256 MiB)');
  });
});

describe('JUnit XML of output no XML allows', () => {
  it('control characters, a lone surrogate and CR/LF/tab in names stay parseable', () => {
    const base = sampleRun();
    const student = base.students[1]!;
    const test = { ...student.tests[1]!, name: 'Test\tA\r\nB', output: 'nul\u0000 esc\u001b[31m lone\ud800 cr\r\nend ]]> <!-- &amp;' };
    const run = { ...base, students: [{ ...student, tests: [test] }] };
    const doc = parseXml(resultsJunit(run));
    const c = all(doc, 'testcase')[0]!;
    expect(c.attrs.name).toBe('Test\tA\r\nB');
    expect(textOf(all(c, 'failure')[0]!)).toBe('nul\ufffd esc\ufffd[31m lone\ufffd cr\r\nend ]]> <!-- &amp;');
  });
});
