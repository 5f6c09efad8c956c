import { PolicyError, UsageError } from '../../common/errors.js';
import { formatTable } from '../../common/table-text.js';
import { formatDuration, formatSize } from '../../common/units.js';
import type { ClassCommand, ClassContext, ClassOutput, GraderContext } from './class-command.js';
import { readClassDir, writeClassDir } from './class-store.js';
import { RESULT_FORMATS, gradescopeRun, resultsCsv, resultsJson, resultsJunit, resultsMarkdown, tableRows, TABLE_COLUMNS } from './formats/index.js';
import { mayGrade, rulesFor } from './grading-policy.js';
import { readHiddenTests } from './hidden-tests.js';
import { planClassInit } from './init.js';
import { classDetail, listClasses, runningStudents } from './overview.js';
import { formatProblem } from './roster.js';
import type { Student } from './roster-checks.js';
import { runClass, type StudentEvent } from './run-class.js';
import { chooseRun, readClassRun, readManifest } from './run-manifest.js';
import { scoreRun } from './score.js';
import { connectEngine } from '../../engine/index.js';

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

function needName(c: ClassCommand): string {
  if (!c.name) throw new UsageError(`gobox class ${c.action}: which class?`, { hint: 'see: gobox class list' });
  return c.name;
}

/** Daemon mode: the grader's rules must cover the class at all, or nothing of it is shown. */
function allowClass(g: GraderContext | undefined, name: string): void {
  if (g && rulesFor(g.rules, g, name).length === 0) {
    throw new PolicyError(`${g.name} may not grade class ${name}`, { hint: 'host config classes: names the groups that may grade which users; ask an administrator' });
  }
}

async function allowTests(g: GraderContext | undefined, dir: string | undefined): Promise<void> {
  if (g && dir && !(await g.canRead(dir))) throw new PolicyError(`--tests ${dir}: you cannot read it yourself, so the daemon will not either`);
}

/** The one line why this grader may not grade this student, or undefined. */
export function studentRefusal(g: GraderContext, className: string): (s: Student) => Promise<string | undefined> {
  return async (s) => {
    const groups = s.user ? await g.groupsOf(s.user) : [];
    return mayGrade(g.rules, g, className, { id: s.id, ...(s.user ? { user: s.user } : {}), groups })
      ? undefined
      : `student ${s.id}: ${g.name} may not grade user ${s.user ?? '(none)'} in class ${className} (host config classes:)`;
  };
}

async function init(c: ClassCommand, ctx: ClassContext): Promise<ClassOutput> {
  const name = needName(c);
  allowClass(ctx.grader, name);
  await allowTests(ctx.grader, c.tests);
  if (c.rosterText === undefined || c.rosterFile === undefined) throw new UsageError('gobox class init: --roster FILE is required');
  const previous = c.update ? (await readClassDir(ctx.stateDir, name)).students : undefined;
  const plan = await planClassInit(
    { name, rosterFile: c.rosterFile, rosterText: c.rosterText, profile: c.profile, tests: c.tests, jobs: c.jobs, timeout: c.timeout, network: c.network, gradingUser: c.gradingUser },
    ctx.host,
    previous,
  );
  const notices = plan.problems.map(formatProblem);
  if (ctx.grader) {
    const refuse = studentRefusal(ctx.grader, name);
    const kept: Student[] = [];
    for (const s of plan.students) {
      const why = await refuse(s);
      if (why) notices.push(why);
      else kept.push(s);
    }
    plan.students = kept;
  }
  const paths = await writeClassDir(ctx.stateDir, plan, { update: c.update === true });
  if (c.json) return { stdout: json({ class: name, dir: paths.dir, students: plan.students.map((s) => s.id), problems: notices }), notices: [] };
  const summary = `class ${name}: ${plan.students.length} student(s) ready to grade${notices.length ? `, ${notices.length} problem(s) above` : ''} (${paths.dir})\n`;
  return { stdout: summary, notices };
}

async function list(c: ClassCommand, ctx: ClassContext): Promise<ClassOutput> {
  if (c.name === undefined) {
    const all = (await listClasses(ctx.stateDir)).filter((k) => !ctx.grader || rulesFor(ctx.grader.rules, ctx.grader, k.name).length > 0);
    if (c.json) return { stdout: json(all), notices: [] };
    if (all.length === 0) return { stdout: 'no classes yet; create one with: gobox class init NAME --roster FILE\n', notices: [] };
    const counts = (k: (typeof all)[number]) => Object.entries(k.lastRun?.counts ?? {}).map(([s, n]) => `${n} ${s}`).join(', ');
    const rows = all.map((k) => ({
      class: k.name, students: k.students, problems: k.problems, profile: k.profile,
      'last run': k.error ?? (k.lastRun ? `${k.lastRun.runId} (${counts(k)}${k.lastRun.unfinished ? `, ${k.lastRun.unfinished} not graded` : ''})` : '-'),
    }));
    return { stdout: formatTable(rows, ['class', 'students', 'problems', 'profile', 'last run']), notices: [] };
  }
  allowClass(ctx.grader, c.name);
  const d = await classDetail(ctx.stateDir, c.name, ctx.env);
  if (c.json) return { stdout: json(d), notices: [] };
  const rows = d.studentList.map((s) => ({
    student: s.id, user: s.user || `uid ${s.uid}`, dir: s.dir,
    cache: s.cache ? `${formatSize(s.cache.usedBytes)} / ${formatSize(s.cache.limitBytes)}` : '-', 'last status': s.lastStatus ?? '-',
  }));
  return { stdout: formatTable(rows, ['student', 'user', 'dir', 'cache', 'last status']), notices: d.problemLines };
}

async function status(c: ClassCommand, ctx: ClassContext): Promise<ClassOutput> {
  const name = needName(c);
  allowClass(ctx.grader, name);
  const detail = await classDetail(ctx.stateDir, name, ctx.env);
  const running = await runningStudents(await connectEngine(ctx.env), name);
  if (c.json) return { stdout: json({ class: name, running, students: detail.studentList }), notices: [] };
  const now = running.length === 0
    ? `class ${name}: nobody is being graded now\n`
    : formatTable(running.map((r) => ({ student: r.student, uid: r.uid, run: r.runId, state: r.state, for: formatDuration(r.runningSeconds * 1000) })), ['student', 'uid', 'run', 'state', 'for']);
  const disk = formatTable(detail.studentList.map((s) => ({ student: s.id, disk: s.cache ? `${formatSize(s.cache.usedBytes)} of ${formatSize(s.cache.limitBytes)}` : 'no cache yet' })), ['student', 'disk']);
  return { stdout: now + disk, notices: [] };
}

async function run(c: ClassCommand, ctx: ClassContext): Promise<ClassOutput> {
  const name = needName(c);
  allowClass(ctx.grader, name);
  await allowTests(ctx.grader, c.tests);
  const live = liveProgress(ctx.progress);
  const summary = await runClass({
    stateDir: ctx.stateDir, name, command: c.command ?? [], tests: c.tests, jobs: c.jobs, timeout: c.timeout, network: c.network, resume: c.resume,
    env: ctx.env, host: ctx.host, progress: ctx.progress, ...(ctx.grader ? { refuse: studentRefusal(ctx.grader, name) } : {}),
    onStudent: (e) => live.event(e),
  });
  ctx.progress.succeed(`graded ${summary.graded.length} student(s) of class ${name}: run ${summary.manifest.runId}`);
  return results({ ...c, format: c.json ? 'json' : 'table', run: summary.manifest.runId }, ctx);
}

async function results(c: ClassCommand, ctx: ClassContext): Promise<ClassOutput> {
  const name = needName(c);
  allowClass(ctx.grader, name);
  const format = c.format ?? (c.json ? 'json' : 'table');
  if (!(RESULT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${format}: expected one of ${RESULT_FORMATS.join(', ')}`);
  const stored = await readClassDir(ctx.stateDir, name);
  const runPaths = await chooseRun(stored.paths, name, c.run);
  const run = await readClassRun(runPaths);
  const scored = scoreRun(run, stored.config.points);
  const notices = run.unfinished.length > 0 ? [`${run.unfinished.length} student(s) not graded yet: gobox class run ${name} --resume ${run.runId}`] : [];
  const out = (stdout: string) => ({ stdout, notices });
  switch (format) {
    case 'json':
      return out(resultsJson(scored));
    case 'csv':
      return out(resultsCsv(scored));
    case 'junit':
      return out(resultsJunit(scored));
    case 'markdown':
      return out(resultsMarkdown(scored));
    case 'gradescope': {
      const manifest = await readManifest(runPaths);
      const hidden = manifest.tests ? await readHiddenTests(manifest.tests).catch(() => undefined) : undefined;
      const hiddenNames = new Set((hidden?.expected ?? []).map((t) => t.name));
      const perStudent = gradescopeRun(scored, { isHidden: (t) => hiddenNames.has(t.name.split('/')[0]!) });
      return out(json(Object.fromEntries([...perStudent].map(([id, text]) => [id, JSON.parse(text) as unknown]))));
    }
    default:
      return out(formatTable(tableRows(scored), [...TABLE_COLUMNS]));
  }
}

/**
 * The teacher's live view of a class run: one line per student as they finish, and on a TTY a
 * spinner line "3/30 graded, 2 running (s04 s05), 1 not ok".
 */
function liveProgress(progress: ClassContext['progress']) {
  const running = new Set<string>();
  let graded = 0;
  let notOk = 0;
  let started = false;
  return {
    event(e: StudentEvent) {
      if (!started) {
        started = true;
        progress.start('Grading');
      }
      if (e.kind === 'start') running.add(e.id);
      else {
        running.delete(e.id);
        graded++;
        if (e.result.status !== 'ok') notOk++;
        progress.notice(`${e.id}: ${e.result.status}${e.result.message ? ` (${e.result.message})` : ''} in ${formatDuration(e.result.durationMs)}`);
      }
      const names = [...running].slice(0, 4).join(' ') + (running.size > 4 ? ' ...' : '');
      progress.update(`${graded} graded, ${running.size} running${running.size ? ` (${names})` : ''}, ${notOk} not ok`);
    },
  };
}

/** Runs one class command, in the CLI (direct) or in the daemon for a grader (shared host). */
export async function classCommand(c: ClassCommand, ctx: ClassContext): Promise<ClassOutput> {
  switch (c.action) {
    case 'init':
      return init(c, ctx);
    case 'list':
      return list(c, ctx);
    case 'status':
      return status(c, ctx);
    case 'run':
      return run(c, ctx);
    case 'results':
      return results(c, ctx);
  }
}
