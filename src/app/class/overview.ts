import { promises as fs } from 'node:fs';
import { LABEL } from '../../common/labels.js';
import { errorMessage } from '../../common/errors.js';
import type { Engine } from '../../engine/index.js';
import { cacheContext, cacheInfo, type CacheInfo } from '../cache/admin.js';
import { readClassDir, type StoredClass } from './class-store.js';
import { classesDir, lastRunId, runPaths } from './layout.js';
import { readClassRun } from './run-manifest.js';
import { CLASS_NAME_RE } from '../../config/class-schema.js';
import type { StudentStatus } from './result.js';
import { formatProblem } from './roster.js';

export interface ClassSummary {
  name: string;
  profile: string;
  students: number;
  problems: number;
  lastRun?: { runId: string; startedAt: string; finishedAt?: string; counts: Partial<Record<StudentStatus, number>>; unfinished: number };
  /** Why the class could not be read, instead of dropping it from the list. */
  error?: string;
}

async function lastRunSummary(c: StoredClass): Promise<ClassSummary['lastRun']> {
  const id = await lastRunId(c.paths);
  if (!id) return undefined;
  const run = await readClassRun(runPaths(c.paths, id));
  const counts: Partial<Record<StudentStatus, number>> = {};
  for (const s of run.students) if (!run.unfinished.includes(s.id)) counts[s.status] = (counts[s.status] ?? 0) + 1;
  return { runId: id, startedAt: run.startedAt, ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}), counts, unfinished: run.unfinished.length };
}

/** `gobox class list`: every class under the state dir, a broken one listed with its error. */
export async function listClasses(stateDir: string): Promise<ClassSummary[]> {
  const names = await fs.readdir(classesDir(stateDir)).catch(() => [] as string[]);
  const out: ClassSummary[] = [];
  for (const name of names.filter((n) => CLASS_NAME_RE.test(n)).sort()) {
    try {
      const c = await readClassDir(stateDir, name);
      const lastRun = await lastRunSummary(c);
      out.push({ name, profile: c.config.profile, students: c.students.students.length, problems: c.students.problems.length, ...(lastRun ? { lastRun } : {}) });
    } catch (e) {
      out.push({ name, profile: '', students: 0, problems: 0, error: errorMessage(e).split('\n')[0]! });
    }
  }
  return out;
}

export interface StudentOverview {
  id: string;
  name: string;
  user: string;
  uid: number;
  dir: string;
  cache?: { usedBytes: number; limitBytes: number; mode: string };
  lastStatus?: StudentStatus;
}

export interface ClassDetail extends ClassSummary {
  studentList: StudentOverview[];
  problemLines: string[];
}

/** The caches of the class's uids, or none when the engine cannot be asked (the list still shows). */
async function cachesByUid(profile: string, env: NodeJS.ProcessEnv, uids: ReadonlySet<number>): Promise<Map<number, CacheInfo>> {
  try {
    return new Map((await cacheInfo(await cacheContext(profile, env), undefined, uids)).map((i) => [i.uid, i]));
  } catch {
    return new Map();
  }
}

/** `gobox class list NAME`: the students, their cache use against the quota, and their last status. */
export async function classDetail(stateDir: string, name: string, env: NodeJS.ProcessEnv): Promise<ClassDetail> {
  const c = await readClassDir(stateDir, name);
  const lastRun = await lastRunSummary(c);
  const last = lastRun ? await readClassRun(runPaths(c.paths, lastRun.runId)) : undefined;
  const caches = await cachesByUid(c.config.profile, env, new Set(c.students.students.map((s) => s.uid)));
  const studentList = c.students.students.map((s) => {
    const cache = caches.get(s.uid);
    const status = last?.students.find((r) => r.id === s.id && !last.unfinished.includes(s.id))?.status;
    return {
      id: s.id, name: s.name, user: s.user ?? '', uid: s.uid, dir: s.dir,
      ...(cache ? { cache: { usedBytes: cache.usedBytes, limitBytes: cache.limitBytes, mode: cache.mode } } : {}),
      ...(status ? { lastStatus: status } : {}),
    };
  });
  return {
    name, profile: c.config.profile, students: studentList.length, problems: c.students.problems.length,
    ...(lastRun ? { lastRun } : {}),
    studentList,
    problemLines: c.students.problems.map(formatProblem),
  };
}

export interface RunningStudent {
  student: string;
  uid: number;
  runId: string;
  command: string;
  state: string;
  runningSeconds: number;
}

/** `gobox class status`: the grading sandboxes of the class that exist right now. */
export async function runningStudents(engine: Engine, name: string, now = new Date()): Promise<RunningStudent[]> {
  const boxes = await engine.listSandboxes({ [LABEL.className]: name });
  return boxes
    .map((b) => ({
      student: b.labels[LABEL.student] ?? '?',
      uid: Number(b.labels[LABEL.owner]),
      runId: b.labels[LABEL.classRun] ?? '',
      command: b.labels[LABEL.command] ?? '',
      state: b.state,
      runningSeconds: Math.max(0, Math.round((now.getTime() - b.created.getTime()) / 1000)),
    }))
    .sort((a, b) => a.student.localeCompare(b.student));
}
