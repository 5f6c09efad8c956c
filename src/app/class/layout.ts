import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../common/errors.js';
import { CLASS_NAME_RE } from '../../config/class-schema.js';
import { STUDENT_ID_RE } from './roster.js';

/**
 * Where a class lives, under the state dir:
 *
 *   classes/<name>/class.yaml          the class config (config/class-schema.ts)
 *   classes/<name>/roster.csv          the roster as the teacher gave it (runs read this copy)
 *   classes/<name>/students.json       the students init could grade, and the roster's problems
 *   classes/<name>/runs/<run id>/run.json              the run's manifest
 *   classes/<name>/runs/<run id>/students/<id>.json    one result per student, written when it ends
 *
 * One file per student, each written whole (temp + rename): a teacher's terminal dying mid-run
 * loses at most the students still running, and a re-run can tell which those are.
 */
export interface ClassPaths {
  dir: string;
  config: string;
  roster: string;
  students: string;
  runs: string;
}

export interface RunPaths {
  dir: string;
  manifest: string;
  students: string;
  studentResult(id: string): string;
}

export function classesDir(stateDir: string): string {
  return path.join(stateDir, 'classes');
}

export function classPaths(stateDir: string, name: string): ClassPaths {
  if (!CLASS_NAME_RE.test(name)) {
    throw new UsageError(`invalid class name '${name}'`, { hint: 'a class name is lowercase letters, digits, "-" and "_", starting with a letter or digit' });
  }
  return classFiles(path.join(classesDir(stateDir), name));
}

/** The roster copy's name in a class dir; class.yaml names it relative to its own dir. */
export const ROSTER_FILE = 'roster.csv';

/** The files of a class dir wherever it is (also the temp dir a new class is built in). */
export function classFiles(dir: string): ClassPaths {
  return { dir, config: path.join(dir, 'class.yaml'), roster: path.join(dir, ROSTER_FILE), students: path.join(dir, 'students.json'), runs: path.join(dir, 'runs') };
}

/**
 * Run ids sort by start time as plain strings (UTC, fixed width, to the millisecond); the random
 * tail keeps two runs started in the same millisecond apart.
 */
export const RUN_ID_RE = /^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{6}$/;

export function newRunId(now: Date = new Date(), tail: string = randomBytes(3).toString('hex')): string {
  const iso = now.toISOString(); // 2026-12-02T03:15:41.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 23)}Z-${tail}`;
}

/** When the run started, read back from its id. */
export function runStartedAt(id: string): Date | undefined {
  if (!RUN_ID_RE.test(id)) return undefined;
  return new Date(`${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}T${id.slice(9, 11)}:${id.slice(11, 13)}:${id.slice(13, 19)}Z`);
}

export function runPaths(cls: ClassPaths, runId: string): RunPaths {
  if (!RUN_ID_RE.test(runId)) throw new UsageError(`invalid run id '${runId}'`, { hint: 'run ids look like 20261202T031541.123Z-a1b2c3; see: gobox class list' });
  const dir = path.join(cls.runs, runId);
  const students = path.join(dir, 'students');
  return {
    dir,
    manifest: path.join(dir, 'run.json'),
    students,
    studentResult(id: string): string {
      // Roster ids are checked at parse time; this guards any other caller from writing outside.
      if (!STUDENT_ID_RE.test(id)) throw new UsageError(`invalid student id '${id}'`);
      return path.join(students, `${id}.json`);
    },
  };
}

/** The run ids among a runs/ listing, oldest first (anything else there, temp entries included, is ignored). */
export function sortRunIds(entries: readonly string[]): string[] {
  return entries.filter((e) => RUN_ID_RE.test(e)).sort();
}

export async function listRunIds(cls: ClassPaths): Promise<string[]> {
  try {
    return sortRunIds(await fs.readdir(cls.runs));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** The newest run that got as far as its manifest: `class results` shows it unless --run says otherwise. */
export async function lastRunId(cls: ClassPaths): Promise<string | undefined> {
  const ids = await listRunIds(cls);
  for (const id of ids.reverse()) {
    if (await fs.access(runPaths(cls, id).manifest).then(() => true, () => false)) return id;
  }
  return undefined;
}

/**
 * The students of a run whose result file is in place: a resumed run grades only the others. A
 * result exists whole or not at all (atomic-write.ts), so its presence means the student finished.
 */
export async function finishedStudentIds(run: RunPaths): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(run.students);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries.filter((e) => e.endsWith('.json')).map((e) => e.slice(0, -'.json'.length)).filter((id) => STUDENT_ID_RE.test(id)).sort();
}
