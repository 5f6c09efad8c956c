import { z } from '../common/zod.js';
import { durationText, networkMode } from './schema.js';
import { className } from './class-graders-schema.js';
import { loadYamlFile, parseYamlText } from './load-yaml.js';

export { CLASS_NAME_RE, className, classGraderRuleSchema, classGradersSchema, type ClassGraderRule } from './class-graders-schema.js';

/**
 * One scoring rule: an exact Go test name (subtests as "Parent/Sub") or a glob where "*" matches
 * any run of characters. The scorer (app/class/score.ts) reads exactly this shape.
 */
export const pointsRuleSchema = z.strictObject({
  test: z.string().min(1, { message: 'expected a test name such as "TestAdd", "TestAdd/negative" or a glob such as "TestParse*"' }).refine((t) => !/\s/.test(t), { message: 'expected a test name without spaces (Go test names have none)' }),
  points: z.number().finite().nonnegative({ message: 'expected points of 0 or more' }),
});
export type PointsRule = z.infer<typeof pointsRuleSchema>;

/** Grading uids/gids never name root: a sandbox is never root, and root owns the class state. */
const unprivilegedId = z.number().int().positive({ message: 'expected a uid/gid above 0 (never root)' }).max(2 ** 32 - 2);

/** Students graded at once; `gobox class run --jobs` checks its flag with this too. */
export const classJobs = z.number().int({ message: 'expected a whole number of jobs' }).positive({ message: 'expected at least 1 job' }).max(1024, { message: 'expected at most 1024 jobs' });

/**
 * A class, classes/<name>/class.yaml under the state dir. Paths are absolute: the file is read by
 * the teacher's CLI and by the daemon, whose working directories differ.
 */
export const classConfigSchema = z.strictObject({
  name: className,
  /** The profile every student's sandbox uses; its limits must really hold (classroom says required). */
  profile: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: 'expected a profile name' }).default('classroom'),
  /** The roster CSV (id,user,name,email,dir); a relative path is relative to class.yaml's dir, where init keeps its copy. */
  roster: z.string().min(1, { message: 'expected the roster file\'s path' }),
  /** The teacher's hidden tests, copied into grading sandboxes only. */
  tests: z.string().refine((p) => p.startsWith('/'), { message: 'expected an absolute path to the hidden tests dir' }).optional(),
  /** Students graded at once; absent means one per core (decided at run time, on the host that runs it). */
  jobs: classJobs.optional(),
  /** Each student's wall clock; past it the tests that finished keep their results. */
  timeout: durationText.refine((v) => v !== 0 && v !== '0', { message: 'expected a per-student limit above 0 (a class run must end)' }).default('2m'),
  /** Grading sandboxes are offline unless the teacher says otherwise. */
  network: networkMode.default('none'),
  /** Who runs the submissions that have no unix account (empty "user" in the roster). */
  gradingUser: z.strictObject({ uid: unprivilegedId, gid: unprivilegedId }).optional(),
  /** Points per test name or glob; a test no rule names is worth 1. */
  points: z.array(pointsRuleSchema).default([]),
});
export type ClassConfig = z.infer<typeof classConfigSchema>;
/** What a caller writes (defaults may be left out); parse() fills them in. */
export type ClassConfigInput = z.input<typeof classConfigSchema>;

export async function loadClassConfig(file: string): Promise<ClassConfig> {
  return loadYamlFile(file, classConfigSchema);
}

export function parseClassConfig(file: string, text: string): ClassConfig {
  return parseYamlText(file, text, classConfigSchema);
}
