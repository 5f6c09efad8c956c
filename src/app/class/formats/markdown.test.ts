import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { GO_VERSIONS, sampleRun } from '../fixtures.test-util.js';
import { resultsMarkdown } from './markdown.js';
import { all, parseXml, textOf } from './xml-tree.test-util.js';

/** Markdown rendered by a real Markdown parser, and its HTML read by a strict XML parser. */
function render(markdown: string) {
  const html = marked.parse(markdown, { async: false });
  return parseXml(`<body>${html}</body>`);
}

describe.each(GO_VERSIONS)('Markdown of a real %s class run', (version) => {
  const run = sampleRun(version);
  const doc = render(resultsMarkdown(run));

  it('one table row per student; ids with |, commas, quotes, <, & and non-ASCII read back as written', () => {
    const tables = all(doc, 'table');
    expect(tables).toHaveLength(1);
    const header = all(tables[0]!, 'th').map(textOf);
    expect(header).toEqual(['Student', 'Status', 'Passed', 'Failed', 'Skipped', 'Points', 'Time']);
    const rows = all(all(tables[0]!, 'tbody')[0]!, 'tr').map((tr) => all(tr, 'td').map(textOf));
    expect(rows).toEqual(
      run.students.map((s) => [s.id, s.status, String(s.passed), String(s.failed), String(s.skipped), `${s.points}/${s.maxPoints}`, expect.any(String)]),
    );
  });

  it('the title keeps the class name, the details list failing tests and compiler lines', () => {
    expect(textOf(all(doc, 'h1')[0]!)).toBe('go101 <spring & "fall">: run 20261202-031500');
    expect(all(doc, 'h2').map(textOf)).toEqual(['bob, "the <builder>" & co', 'chloé', 'dmitri|x', 'eve', 'farid', 'gao']);
    const items = all(doc, 'li').map(textOf);
    expect(items).toContain('fail: TestUpper/wrong (example.com/subtests)');
    expect(items).toContain('timeout: TestNeverStarted (example.com/loop)');
    const code = all(doc, 'code').map(textOf).join('\n');
    expect(code).toContain('cannot use "two" (untyped string constant) as int value');
  });

  it('student output with backquotes cannot close the code block', () => {
    const base = sampleRun(version);
    const chloe = base.students[2]!;
    const students = [{ ...chloe, buildFailures: [{ package: 'p', lines: ['```', '# not a heading', '````'] }] }];
    const d = render(resultsMarkdown({ ...base, students }));
    expect(all(d, 'h1')).toHaveLength(1);
    expect(textOf(all(d, 'code')[0]!)).toBe('```\n# not a heading\n````\n');
  });
});
