import { z } from '../../common/zod.js';
import { UsageError } from '../../common/errors.js';
import { classConfigSchema, type ClassConfig, type PointsRule } from '../../config/class-schema.js';
import type { NetworkMode } from '../../config/schema.js';
import { ROSTER_FILE } from './layout.js';
import { checkRoster, studentSchema, type RosterHost, type Student } from './roster-checks.js';
import { parseRoster, rosterProblemSchema, type RosterProblem } from './roster.js';

/** What `gobox class init` was given: flags and the roster's text (the CLI reads the file). */
export interface ClassInitOptions {
  name: string;
  /** The roster as the teacher named it: every problem line names this file. */
  rosterFile: string;
  rosterText: string;
  profile?: string;
  tests?: string;
  jobs?: number;
  timeout?: string;
  network?: NetworkMode;
  gradingUser?: { uid: number; gid: number };
  points?: PointsRule[];
}

/** students.json in the class dir: who init (or the last roster update) found gradeable, and why not the rest. */
export const classStudentsSchema = z.strictObject({
  checkedAt: z.string(),
  students: z.array(studentSchema),
  problems: z.array(rosterProblemSchema),
});
export type ClassStudents = z.infer<typeof classStudentsSchema>;

export interface ClassPlan {
  config: ClassConfig;
  /** Kept verbatim in the class dir: what the teacher gave is what later runs read. */
  rosterText: string;
  students: Student[];
  problems: RosterProblem[];
}

/** Which command-line option set each config field, so a bad value is reported as the flag the teacher typed. */
const FLAG: Record<string, string> = {
  name: 'class name', profile: '--profile', tests: '--tests', jobs: '--jobs', timeout: '--timeout',
  network: '--network', gradingUser: '--grading-uid', points: '--points',
};

/**
 * The class `gobox class init` would write, and every roster problem, one line each. Nothing is
 * written and the host is reached only through `host`; a roster that is not a roster at all (empty,
 * wrong header, broken quoting) throws one UsageError. `previous` is the class's students.json
 * when the class exists, so a student whose account vanished or was replaced is named as such.
 */
export async function planClassInit(opts: ClassInitOptions, host: RosterHost, previous?: ClassStudents): Promise<ClassPlan> {
  const config = classConfigOf(opts);
  const parsed = parseRoster(opts.rosterFile, opts.rosterText);
  const previousUids = new Map((previous?.students ?? []).flatMap((s) => (s.user ? [[s.user, s.uid] as const] : [])));
  const checked = await checkRoster(parsed.rows, {
    file: opts.rosterFile,
    host,
    ...(config.gradingUser ? { gradingUser: config.gradingUser } : {}),
    previousUids,
  });
  const problems = [...parsed.problems, ...checked.problems].sort((a, b) => a.line - b.line);
  return { config, rosterText: opts.rosterText, students: checked.students, problems };
}

export function classConfigOf(opts: ClassInitOptions): ClassConfig {
  const raw = {
    name: opts.name,
    // The copy next to class.yaml, so a class does not depend on where the teacher's file was.
    roster: ROSTER_FILE,
    profile: opts.profile,
    tests: opts.tests,
    jobs: opts.jobs,
    timeout: opts.timeout,
    network: opts.network,
    gradingUser: opts.gradingUser,
    points: opts.points,
  };
  const parsed = classConfigSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const [top, ...rest] = i.path.map(String);
    const flag = FLAG[top ?? ''] ?? top ?? 'class';
    return `${flag}${rest.length ? ` (${rest.join('.')})` : ''}: ${i.message}`;
  });
  throw new UsageError(`gobox class init ${opts.name}: ${lines.join('; ')}`, { hint: 'see: gobox class init --help' });
}
