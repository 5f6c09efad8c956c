import { formatDuration } from '../../../common/units.js';
import type { ScoredRun } from '../score.js';

/**
 * `--format markdown`: a summary table, then per student the tests that did not pass, for a
 * README, an issue or a course page. Names come from students' code, so every cell is escaped:
 * a `|` would split a cell, and `<`, `&`, `*`, `_` or a backquote would turn into markup.
 */
export function resultsMarkdown(run: ScoredRun): string {
  const out = [
    `# ${md(run.className)}: run ${md(run.runId)}`,
    '',
    `Toolchain ${md(run.toolchain)}, profile ${md(run.profile)}, started ${md(run.startedAt)}${run.finishedAt ? `, finished ${md(run.finishedAt)}` : ''}.`,
    '',
    '| Student | Status | Passed | Failed | Skipped | Points | Time |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of run.students) {
    const cells = [s.id, s.status, String(s.passed), String(s.failed), String(s.skipped), `${s.points}/${s.maxPoints}`, formatDuration(Math.round(s.durationMs))];
    out.push(`| ${cells.map(md).join(' | ')} |`);
  }
  for (const s of run.students) {
    const bad = s.tests.filter((t) => t.status === 'fail' || t.status === 'timeout');
    if (bad.length === 0 && s.buildFailures.length === 0 && s.packageFailures.length === 0 && s.message === undefined) continue;
    out.push('', `## ${md(s.id)}`, '');
    if (s.message !== undefined) out.push(`${md(s.message)}`, '');
    for (const b of s.buildFailures) out.push(`- build failed: ${md(b.package)}`, fence(b.lines.join('\n')));
    for (const p of s.packageFailures) out.push(`- package failed: ${md(p.package)}`, fence(p.output));
    for (const t of bad) out.push(`- ${md(t.status)}: ${md(t.name)} (${md(t.package)})`);
  }
  return `${out.join('\n')}\n`;
}

/** Escapes Markdown's punctuation and HTML, and keeps a cell on one line. */
export function md(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

/** A fenced block longer than any run of backquotes inside, so student output cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${text}\n${f}`;
}
