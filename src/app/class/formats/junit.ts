import type { ScoredRun, ScoredStudent, ScoredTest } from '../score.js';
import { xmlAttr, xmlText } from './xml-text.js';

/**
 * `--format junit`: one <testsuite> per student, one <testcase> per test (classname = package).
 * What is not a test still has to show in a CI dashboard, so a build failure, a package-level
 * panic and a run the sandbox ended (OOM, output cap) each become a testcase with an <error>.
 */
export function resultsJunit(run: ScoredRun): string {
  const suites = run.students.map(suite);
  const count = (f: (s: Counts) => number) => suites.reduce((n, s) => n + f(s.counts), 0);
  const attrs = {
    name: run.className,
    tests: count((c) => c.tests),
    failures: count((c) => c.failures),
    errors: count((c) => c.errors),
    skipped: count((c) => c.skipped),
    time: seconds(run.students.reduce((n, s) => n + s.durationMs, 0) / 1000),
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes(attrs)}>`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function suite(s: ScoredStudent): { xml: string; counts: Counts } {
  const cases = s.tests.map(testCase);
  const extra: string[] = [];
  for (const b of s.buildFailures) extra.push(errorCase(`[build] ${b.package}`, b.package, 'build failed', b.lines.join('\n')));
  for (const p of s.packageFailures) extra.push(errorCase(`[package] ${p.package}`, p.package, 'package failed', p.output));
  if (s.message !== undefined && s.status !== 'timeout') extra.push(errorCase('[run]', '', s.message, ''));
  const counts: Counts = {
    tests: cases.length + extra.length,
    failures: s.tests.filter((t) => t.status === 'fail').length,
    errors: s.tests.filter((t) => t.status === 'timeout').length + extra.length,
    skipped: s.skipped,
  };
  const attrs = { name: s.id, ...counts, time: seconds(s.durationMs / 1000) };
  const props = { status: s.status, points: s.points, maxPoints: s.maxPoints };
  const xml = [
    `  <testsuite${attributes(attrs)}>`,
    '    <properties>',
    ...Object.entries(props).map(([k, v]) => `      <property${attributes({ name: k, value: v })}/>`),
    '    </properties>',
    ...cases,
    ...extra,
    '  </testsuite>',
  ].join('\n');
  return { xml, counts };
}

function testCase(t: ScoredTest): string {
  const open = `    <testcase${attributes({ name: t.name, classname: t.package, time: seconds(t.elapsed) })}`;
  const firstLine = t.output.split('\n').find((l) => l.trim() !== '') ?? '';
  switch (t.status) {
    case 'pass':
      return `${open}/>`;
    case 'skip':
      return `${open}>\n      <skipped${attributes({ message: firstLine })}/>\n    </testcase>`;
    case 'fail':
      return `${open}>\n      <failure${attributes({ message: firstLine, type: 'fail' })}>${xmlText(t.output)}</failure>\n    </testcase>`;
    case 'timeout':
      return `${open}>\n      <error${attributes({ message: 'timed out', type: 'timeout' })}>${xmlText(t.output)}</error>\n    </testcase>`;
  }
}

function errorCase(name: string, classname: string, message: string, body: string): string {
  return `    <testcase${attributes({ name, classname, time: '0' })}>\n      <error${attributes({ message, type: 'error' })}>${xmlText(body)}</error>\n    </testcase>`;
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values).map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`).join('');
}

function seconds(s: number): string {
  return s.toFixed(3);
}
