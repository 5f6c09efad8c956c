import path from 'node:path';
import { z } from '../../common/zod.js';
import { errorMessage } from '../../common/errors.js';
import { normalDir, type RosterProblem, type RosterRow } from './roster.js';

/** A unix account as the host's user database reports it. */
export interface RosterAccount {
  name: string;
  uid: number;
  gid: number;
}

/** Whom a student's sandbox runs as: their account, or the class's grading uid. */
export interface GradingIdentity {
  uid: number;
  gid: number;
  /** Account name, when there is one (its supplementary groups count for access). */
  user?: string;
}

/** What the host says about a student's directory, looked at as the student. */
export type DirProbe =
  | { kind: 'missing' }
  | { kind: 'not-dir'; real: string }
  | {
      kind: 'dir';
      /** The directory with every symlink resolved: what a sandbox would really mount. */
      real: string;
      ownerUid: number;
      /** Listable and enterable (r and x) by the identity it was probed as. */
      readable: boolean;
      /** The first symlink on the path that is not root's (root's are the host's layout, e.g. /home). */
      symlinkVia?: string;
    };

/** The roster's I/O, injected: real ones in host-roster.ts, fakes in tests. */
export interface RosterHost {
  lookupUser(name: string): Promise<RosterAccount | undefined>;
  probeDir(dir: string, as: GradingIdentity): Promise<DirProbe>;
  /**
   * The host's mount rules for a student's real directory (system paths, other users' homes): why
   * it may not be mounted, or undefined. Injected because they live with the daemon's path safety.
   */
  refuseDir?: (realDir: string, as: GradingIdentity) => string | undefined;
}

/** A student who can be graded; written to the class dir at init (students.json) and read back. */
export const studentSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string(),
  email: z.string(),
  /** Unix account, absent for a submission without one. */
  user: z.string().min(1).optional(),
  uid: z.number().int().positive(),
  gid: z.number().int().nonnegative(),
  /** The directory as the roster names it, and as it really is (the one to mount). */
  dir: z.string().startsWith('/'),
  realDir: z.string().startsWith('/'),
  line: z.number().int().positive(),
});
export type Student = z.infer<typeof studentSchema>;

export interface RosterCheckOptions {
  file: string;
  host: RosterHost;
  /** The class's grading uid/gid for submissions without an account. */
  gradingUser?: { uid: number; gid: number };
  /** Each account's uid when the class was set up: tells "gone" and "replaced" from "unknown". */
  previousUids?: ReadonlyMap<string, number>;
}

/**
 * Checks every parsed roster line against the host: the account, and the directory as that account
 * sees it. Each problem costs only its own student; what is left can all be graded side by side
 * without one sandbox mounting another student's work.
 */
export async function checkRoster(rows: readonly RosterRow[], opts: RosterCheckOptions): Promise<{ students: Student[]; problems: RosterProblem[] }> {
  const problems: RosterProblem[] = [];
  const add = (r: RosterRow, field: RosterProblem['field'], message: string) => problems.push({ file: opts.file, line: r.line, id: r.id, field, message });
  const accounts = new Map<string, Promise<RosterAccount | undefined>>();
  const candidates: Student[] = [];
  const owners = new Map<string, number>();

  for (const row of rows) {
    // A user database that cannot answer (UserLookupError) fails the whole check, once: every
    // student's answer would be as unreliable, and "unknown user" would blame the student.
    const who = await identityOf(row, opts, accounts);
    if (typeof who === 'string') { add(row, 'user', who); continue; }
    const dir = normalDir(row.dir);
    let probe: DirProbe;
    try {
      probe = await opts.host.probeDir(dir, who);
    } catch (e) {
      add(row, 'dir', `cannot check ${dir}: ${errorMessage(e)}`);
      continue;
    }
    if (probe.kind !== 'dir') { add(row, 'dir', describeDir(dir, probe, who)!); continue; }
    const dirProblem = describeDir(dir, probe, who) ?? opts.host.refuseDir?.(probe.real, who);
    if (dirProblem) { add(row, 'dir', dirProblem); continue; }
    candidates.push({ id: row.id, name: row.name, email: row.email, ...(who.user ? { user: who.user } : {}), uid: who.uid, gid: who.gid, dir, realDir: probe.real, line: row.line });
    owners.set(row.id, probe.ownerUid);
  }
  const clashes = crossChecks(candidates, owners);
  for (const [id, message] of clashes) {
    const s = candidates.find((c) => c.id === id)!;
    problems.push({ file: opts.file, line: s.line, id, field: message.field, message: message.text });
  }
  return { students: candidates.filter((c) => !clashes.has(c.id)), problems: problems.sort((a, b) => a.line - b.line) };
}

async function identityOf(row: RosterRow, opts: RosterCheckOptions, cache: Map<string, Promise<RosterAccount | undefined>>): Promise<GradingIdentity | string> {
  if (row.user === '') {
    if (!opts.gradingUser) return 'no unix user, and the class has no gradingUser to grade submissions without an account';
    return { uid: opts.gradingUser.uid, gid: opts.gradingUser.gid };
  }
  if (!cache.has(row.user)) cache.set(row.user, opts.host.lookupUser(row.user));
  const account = await cache.get(row.user);
  const before = opts.previousUids?.get(row.user);
  if (!account) {
    return before === undefined ? `unknown unix user ${row.user}` : `user ${row.user} no longer exists (uid ${before} when the class was set up)`;
  }
  if (account.uid === 0) return `${row.user} is root: a student is never graded as root`;
  if (account.uid === opts.gradingUser?.uid) {
    return `${row.user} has the class's grading uid ${account.uid}: submissions without an account would run as this student; give gradingUser a uid of its own`;
  }
  if (before !== undefined && before !== account.uid) {
    return `user ${row.user} now has uid ${account.uid}, not ${before} as when the class was set up (a replaced account): check it, then run gobox class init again`;
  }
  return { uid: account.uid, gid: account.gid, user: account.name };
}

function describeDir(dir: string, probe: DirProbe, who: GradingIdentity): string | undefined {
  const as = who.user ? `user ${who.user}` : `the grading uid ${who.uid}`;
  if (probe.kind === 'missing') return `${dir} does not exist`;
  if (probe.kind === 'not-dir') return `${dir} is not a directory`;
  if (probe.symlinkVia) return `${dir} leads through the symlink ${probe.symlinkVia} to ${probe.real}: name the real directory in the roster`;
  if (!probe.readable) return `${dir} is not readable by ${as}`;
  return undefined;
}

/**
 * One account on two lines, directories shared or nested between students, or owned by another
 * student: grading either would put one student's work in another's sandbox, so both are left out
 * and the teacher told.
 */
function crossChecks(students: readonly Student[], owners: ReadonlyMap<string, number>): Map<string, { field: 'user' | 'dir'; text: string }> {
  const out = new Map<string, { field: 'user' | 'dir'; text: string }>();
  const flag = (s: Student, text: string, field: 'user' | 'dir' = 'dir') => { if (!out.has(s.id)) out.set(s.id, { field, text }); };
  const name = (s: Student) => `student ${s.id} (line ${s.line})`;
  const byUid = new Map(students.filter((s) => s.user).map((s) => [s.uid, s]));
  for (const a of students) {
    for (const b of students) {
      if (a === b) continue;
      if (a.user && a.user === b.user) flag(a, `${a.user} is also the user of ${name(b)}`, 'user');
      else if (a.realDir === b.realDir) flag(a, `${a.dir} is also the directory of ${name(b)}`);
      else if (a.realDir.startsWith(b.realDir + path.posix.sep) || b.realDir === '/') flag(a, `${a.dir} is inside the directory of ${name(b)}`);
      else if (b.realDir.startsWith(a.realDir + path.posix.sep) || a.realDir === '/') flag(a, `${a.dir} holds the directory of ${name(b)}`);
    }
    const owner = byUid.get(owners.get(a.id) ?? -1);
    if (owner && owner.uid !== a.uid) flag(a, `${a.dir} belongs to user ${owner.user}, ${name(owner)}`);
  }
  return out;
}
