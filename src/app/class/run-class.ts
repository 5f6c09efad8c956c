import { promises as fs } from 'node:fs';
import os from 'node:os';
import { errorMessage, UsageError } from '../../common/errors.js';
import { ensureWarmCache } from './warm-cache.js';
import type { Progress } from '../../common/progress.js';
import { parseDuration } from '../../common/units.js';
import { classJobs } from '../../config/class-schema.js';
import type { NetworkMode } from '../../config/schema.js';
import { readClassDir } from './class-store.js';
import { gradeStudent, readyForStudent, type GradingPlan, type ReadyStudent } from './grade-student.js';
import { silentProgress } from '../../common/progress.js';
import { parseGoTestCommand } from './go-test-command.js';
import { readHiddenTests } from './hidden-tests.js';
import { planClassInit } from './init.js';
import { finishedStudentIds, newRunId, runPaths, type RunPaths } from './layout.js';
import type { StudentResult } from './result.js';
import { formatProblem } from './roster.js';
import type { RosterHost, Student } from './roster-checks.js';
import { chooseRun, readManifest, writeManifest, writeStudentResult, type RunManifest } from './run-manifest.js';
import { ungradedStudent } from './ungraded.js';

/** A student's grading started, or ended with its result (the teacher's live view). */
export type StudentEvent = { kind: 'start'; id: string } | { kind: 'done'; id: string; result: StudentResult };

export interface ClassRunOptions {
  stateDir: string;
  name: string;
  /** The teacher's `go test ...`; not used when resuming (the run's own command is). */
  command: string[];
  tests?: string | undefined;
  jobs?: number | undefined;
  timeout?: string | undefined;
  network?: NetworkMode | undefined;
  /** Finish a run that was stopped: its id, or true for the newest. */
  resume?: string | true | undefined;
  /** gobox's own environment for each student's run (state dir, host config). */
  env: NodeJS.ProcessEnv;
  host: RosterHost;
  progress: Progress;
  /** Each student as they start and end: the CLI's live display. */
  /** Daemon mode: a student this grader may not grade gets status error with this line instead. */
  refuse?: ((s: Student) => Promise<string | undefined>) | undefined;
  onStudent?: (e: StudentEvent) => void;
}

export interface ClassRunSummary {
  run: RunPaths;
  manifest: RunManifest;
  /** This invocation's results (a resumed run: only the students it graded now). */
  graded: StudentResult[];
}

function checkedJobs(jobs: number | undefined): number {
  const n = jobs ?? os.availableParallelism();
  const parsed = classJobs.safeParse(n);
  if (!parsed.success) throw new UsageError(`--jobs ${jobs}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function checkedTimeout(timeout: string): string {
  const ms = parseDuration(timeout);
  if (ms === undefined || ms <= 0) throw new UsageError(`--timeout ${timeout}: expected a duration above 0 such as 90s or 2m`);
  return timeout;
}

/** A new run's manifest, or the stopped run's own when resuming. */
async function startOrResume(o: ClassRunOptions, stored: Awaited<ReturnType<typeof readClassDir>>, ids: string[]): Promise<{ run: RunPaths; manifest: RunManifest }> {
  if (o.resume !== undefined) {
    const run = await chooseRun(stored.paths, o.name, o.resume === true ? undefined : o.resume);
    return { run, manifest: await readManifest(run) };
  }
  const cfg = stored.config;
  const command = o.command;
  parseGoTestCommand(command);
  const tests = o.tests ?? cfg.tests;
  const manifest: RunManifest = {
    runId: newRunId(),
    className: o.name,
    profile: cfg.profile,
    command,
    ...(tests ? { tests } : {}),
    timeout: checkedTimeout(o.timeout ?? String(cfg.timeout)),
    network: o.network ?? cfg.network,
    jobs: checkedJobs(o.jobs ?? cfg.jobs),
    startedAt: new Date().toISOString(),
    students: ids,
    toolchains: [],
  };
  const run = runPaths(stored.paths, manifest.runId);
  return { run, manifest };
}

/**
 * `gobox class run`: every student of the roster graded in their own sandbox, `jobs` at a time.
 * Each result is written whole as soon as it is known, so a run stopped midway keeps them, and
 * `resume` grades only the students that have none. A roster problem costs only its student, who
 * is listed with the problem's one line.
 */
export async function runClass(o: ClassRunOptions): Promise<ClassRunSummary> {
  const stored = await readClassDir(o.stateDir, o.name);
  const cfg = stored.config;
  // The roster is checked again now: an account deleted or a directory gone since init is one line.
  const plan = await planClassInit(
    { name: o.name, rosterFile: stored.rosterFile, rosterText: await fs.readFile(stored.rosterFile, 'utf8'), ...(cfg.gradingUser ? { gradingUser: cfg.gradingUser } : {}) },
    o.host,
    stored.students,
  );
  const problemIds = plan.problems.flatMap((p) => (p.id && !plan.students.some((s) => s.id === p.id) ? [p.id] : []));
  const ids = [...new Set([...plan.students.map((s) => s.id), ...problemIds])];
  const { run, manifest } = await startOrResume(o, stored, ids);
  const command = parseGoTestCommand(manifest.command);
  const hidden = manifest.tests ? await readHiddenTests(manifest.tests) : undefined;
  if (o.resume === undefined) await writeManifest(run, manifest);
  const done = new Set(await finishedStudentIds(run));
  const graded: StudentResult[] = [];
  const record = async (result: StudentResult) => {
    await writeStudentResult(run, result);
    graded.push(result);
    o.onStudent?.({ kind: 'done', id: result.id, result });
  };
  for (const p of plan.problems) {
    if (p.id && manifest.students.includes(p.id) && !done.has(p.id) && problemIds.includes(p.id)) {
      await record(ungradedStudent({ id: p.id, message: formatProblem(p), expected: hidden?.expected ?? [] }));
    }
  }
  const todo: Student[] = [];
  for (const s of plan.students.filter((x) => manifest.students.includes(x.id) && !done.has(x.id))) {
    // Refused before anything runs as them: not even a cache volume is made for a student the grader may not grade.
    const refused = await o.refuse?.(s);
    if (refused) await record(ungradedStudent({ id: s.id, message: refused, expected: hidden?.expected ?? [] }));
    else todo.push(s);
  }
  const gradingPlan: GradingPlan = {
    className: o.name, runId: manifest.runId, profile: manifest.profile, command, ...(hidden ? { hidden } : {}),
    timeout: manifest.timeout, network: manifest.network, env: o.env,
    // Students run side by side: only one-line notices reach the teacher, each once.
    progress: { ...silentProgress, notice: onceEach(o.progress.notice.bind(o.progress)) },
  };
  // A first image build or toolchain import shows its progress once, before students start; if
  // it fails, the students' own runs report the failure one line each.
  let first: ReadyStudent | undefined;
  if (todo[0]) {
    try {
      first = await readyForStudent(gradingPlan, todo[0], o.progress);
      gradingPlan.engine = first.engine;
      const dir = await ensureWarmCache(first.engine, o.stateDir, first.p, o.progress);
      if (dir) gradingPlan.warm = { version: first.p.toolchain.version, dir };
    } catch (e) {
      o.progress.notice(`warning: grading without a precompiled standard library: ${errorMessage(e).split('\n')[0]}`);
    }
  }
  const toolchains = new Set(manifest.toolchains);
  await inPool(todo, manifest.jobs, async (s: Student) => {
    o.onStudent?.({ kind: 'start', id: s.id });
    const g = await gradeStudent(gradingPlan, s, s === todo[0] ? first : undefined);
    if (g.toolchain) toolchains.add(g.toolchain);
    await record(g.result);
  });
  const finished: RunManifest = { ...manifest, toolchains: [...toolchains].sort(), finishedAt: new Date().toISOString() };
  await writeManifest(run, finished);
  return { run, manifest: finished, graded };
}

function onceEach(notice: (text: string) => void): (text: string) => void {
  const seen = new Set<string>();
  return (text) => {
    if (seen.has(text)) return;
    seen.add(text);
    notice(text);
  };
}

/** At most `jobs` at once, in order; one failing item never stops the others. */
async function inPool<T>(items: readonly T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
}
