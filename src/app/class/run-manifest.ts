import { promises as fs } from 'node:fs';
import { z } from '../../common/zod.js';
import { ConfigError, NotFoundError, errorMessage } from '../../common/errors.js';
import { configError } from '../../config/messages.js';
import { writeJsonAtomic } from './atomic-write.js';
import { classRunSchema, studentResultSchema, type ClassRun, type StudentResult } from './result.js';
import { finishedStudentIds, lastRunId, listRunIds, runPaths, type ClassPaths, type RunPaths } from './layout.js';

/**
 * run.json: what a class run was asked to do, written before the first student starts, so a
 * run whose teacher's terminal died can be resumed with exactly the same settings, and a results
 * table can name the students who were never graded.
 */
export const runManifestSchema = z.strictObject({
  runId: z.string(),
  className: z.string(),
  profile: z.string(),
  /** The teacher's go test command as given. */
  command: z.array(z.string()),
  tests: z.string().optional(),
  timeout: z.string(),
  network: z.enum(['none', 'open', 'proxy']),
  jobs: z.number().int().positive(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** Every student of the run, graded or not, in roster order. */
  students: z.array(z.string()),
  /** The Go versions students were graded with (go.mod picks per student), e.g. ["go1.26.8"]. */
  toolchains: z.array(z.string()).default([]),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

export async function writeManifest(run: RunPaths, m: RunManifest): Promise<void> {
  await fs.mkdir(run.students, { recursive: true, mode: 0o700 });
  await writeJsonAtomic(run.manifest, m);
}

async function readJson(file: string, hint: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${errorMessage(e).split('\n')[0]}`, { hint });
  }
}

export async function readManifest(run: RunPaths): Promise<RunManifest> {
  const parsed = runManifestSchema.safeParse(await readJson(run.manifest, 'the run is damaged; start a new one with gobox class run'));
  if (!parsed.success) throw configError(run.manifest, parsed.error.issues, 'the run is damaged; start a new one with gobox class run');
  return parsed.data;
}

/** The run `--run ID` names, or the newest one. */
export async function chooseRun(cls: ClassPaths, className: string, runId: string | undefined): Promise<RunPaths> {
  if (runId !== undefined) {
    const run = runPaths(cls, runId);
    if (!(await fs.lstat(run.manifest).then(() => true, () => false))) {
      throw new NotFoundError(`class ${className} has no run ${runId}`, { hint: `its runs: ${(await listRunIds(cls)).join(', ') || 'none yet'}` });
    }
    return run;
  }
  const last = await lastRunId(cls);
  if (last === undefined) throw new NotFoundError(`class ${className} has no runs yet`, { hint: `start one: gobox class run ${className} -- go test ./...` });
  return runPaths(cls, last);
}

export async function writeStudentResult(run: RunPaths, result: StudentResult): Promise<void> {
  await writeJsonAtomic(run.studentResult(result.id), result);
}

/**
 * A stored run as the result formats read it. A student of the manifest with no result file was
 * never graded (the run was stopped): listed as an error that says how to finish, never dropped.
 */
export async function readClassRun(run: RunPaths): Promise<ClassRun & { unfinished: string[] }> {
  const m = await readManifest(run);
  const done = new Set(await finishedStudentIds(run));
  const students: StudentResult[] = [];
  const unfinished: string[] = [];
  for (const id of m.students) {
    if (!done.has(id)) {
      unfinished.push(id);
      students.push({ id, status: 'error', message: `not graded: the run stopped first (finish it: gobox class run ${m.className} --resume ${m.runId})`, tests: [], buildFailures: [], packageFailures: [], durationMs: 0, exitCode: 125 });
      continue;
    }
    const file = run.studentResult(id);
    const parsed = studentResultSchema.safeParse(await readJson(file, 'grade the student again with --resume after removing the file'));
    if (!parsed.success) throw configError(file, parsed.error.issues, 'remove the file and grade the student again with --resume');
    students.push(parsed.data);
  }
  const result = classRunSchema.parse({
    runId: m.runId,
    className: m.className,
    toolchain: m.toolchains.join(', '),
    profile: m.profile,
    startedAt: m.startedAt,
    ...(m.finishedAt ? { finishedAt: m.finishedAt } : {}),
    students,
  });
  return { ...result, unfinished };
}
