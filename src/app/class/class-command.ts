import type { Progress } from '../../common/progress.js';
import type { NetworkMode } from '../../config/schema.js';
import type { ClassGraderRule } from '../../config/class-schema.js';
import type { RosterHost, Student } from './roster-checks.js';

/**
 * One `gobox class` command as data: what the CLI parsed from its flags, and what a teacher's
 * CLI sends the daemon on a shared host (wire/class-request.ts checks it there). The roster is
 * sent as text: the teacher's CLI reads the file the teacher can read.
 */
export interface ClassCommand {
  action: 'init' | 'list' | 'run' | 'results' | 'status';
  name?: string | undefined;
  rosterFile?: string | undefined;
  rosterText?: string | undefined;
  profile?: string | undefined;
  tests?: string | undefined;
  jobs?: number | undefined;
  timeout?: string | undefined;
  network?: NetworkMode | undefined;
  gradingUser?: { uid: number; gid: number } | undefined;
  update?: boolean | undefined;
  command?: string[] | undefined;
  resume?: string | true | undefined;
  format?: string | undefined;
  run?: string | undefined;
  json: boolean;
}

/** What a class command prints: stdout, and one-line notices for stderr. */
export interface ClassOutput {
  stdout: string;
  notices: string[];
}

/**
 * Who asks, on a shared host (daemon mode): the grader, host config `classes:`, and the checks the
 * daemon makes as that grader. Absent in direct mode, where the caller is root or owns the engine.
 */
export interface GraderContext {
  name: string;
  groups: readonly string[];
  rules: readonly ClassGraderRule[];
  /** The groups of a student's account (the policy may name groups of students). */
  groupsOf(user: string): Promise<readonly string[]>;
  /** Whether the grader could read this dir themselves: they may only hand over tests they can read. */
  canRead(dir: string): Promise<boolean>;
}

export interface ClassContext {
  stateDir: string;
  /** gobox's own settings for every student's run (state dir, host config). */
  env: NodeJS.ProcessEnv;
  host: RosterHost;
  progress: Progress;
  grader?: GraderContext | undefined;
  /** A student the grader may not grade: the one line why, or undefined (run-class.ts). */
  refuse?: ((s: Student) => Promise<string | undefined>) | undefined;
}
