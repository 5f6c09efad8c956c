import path from 'node:path';
import { z } from '../../common/zod.js';
import { UsageError } from '../../common/errors.js';
import { CsvSyntaxError, readCsv } from './csv.js';

export const ROSTER_HEADER = ['id', 'user', 'name', 'email', 'dir'] as const;
export type RosterField = (typeof ROSTER_HEADER)[number];

/**
 * A student id names the student's result files and labels, so it must be safe as a file name:
 * no "/", no leading dot (hidden files, ".." and gobox's ".tmp-" entries stay impossible).
 */
export const STUDENT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
const UNIX_NAME_RE = /^[a-z_][a-z0-9_.-]*\$?$/i;

/** One roster line, as the teacher wrote it (surrounding spaces from spreadsheets dropped). */
export const rosterRowSchema = z.object({
  id: z.string().trim()
    .min(1, { message: 'empty id' })
    .regex(STUDENT_ID_RE, { message: 'expected an id of letters, digits and . _ @ + - (at most 64), starting with a letter or digit' }),
  /** Empty: a submission without an account, graded as the class's grading user. */
  user: z.string().trim().refine((u) => u === '' || UNIX_NAME_RE.test(u), { message: 'expected a unix user name, or nothing for a submission without an account' }),
  name: z.string().trim(),
  email: z.string().trim().refine((e) => e === '' || /^[^\s@",]+@[^\s@",]+\.[^\s@",.]+$/.test(e), { message: 'expected an email address such as ada@example.edu, or nothing' }),
  dir: z.string().trim()
    .min(1, { message: 'missing dir (the student\'s project directory)' })
    .refine((d) => d.startsWith('/'), { message: 'expected an absolute path, not a relative one' })
    .refine((d) => !d.split('/').some((seg) => seg === '..' || seg === '.'), { message: 'expected a path without "." or ".." segments' }),
});
export type RosterRow = z.infer<typeof rosterRowSchema> & { line: number };

/** One thing wrong with one roster line; the student it names is left out of the run, nobody else. */
export const rosterProblemSchema = z.strictObject({
  file: z.string(),
  line: z.number().int().positive(),
  /** The student's id when the line has a usable one. */
  id: z.string().optional(),
  field: z.enum([...ROSTER_HEADER, 'row']),
  message: z.string(),
});
export type RosterProblem = z.infer<typeof rosterProblemSchema>;

/** "roster.csv:7: student s3: dir: expected an absolute path, not a relative one" */
export function formatProblem(p: RosterProblem): string {
  return `${p.file}:${p.line}: ${p.id ? `student ${p.id}: ` : ''}${p.field}: ${p.message}`;
}

export interface ParsedRoster {
  rows: RosterRow[];
  problems: RosterProblem[];
}

const HINT = `a roster is a CSV file whose first line is exactly: ${ROSTER_HEADER.join(',')}`;

/**
 * Reads the roster's text. A roster that cannot be a roster at all (empty, wrong header, no
 * students, a quote never closed) throws one UsageError; anything wrong with one line becomes a
 * problem for that line only, so the rest of the class is still graded.
 */
export function parseRoster(file: string, text: string): ParsedRoster {
  let records;
  try {
    records = readCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new UsageError(`${file}:${e.line}: not valid CSV: ${e.message}`, { hint: HINT });
    throw e;
  }
  const [header, ...body] = records;
  if (!header) throw new UsageError(`${file}: empty roster (no header, no students)`, { hint: HINT });
  if (!('fields' in header) || header.fields.join(',') !== ROSTER_HEADER.join(',')) {
    const found = 'fields' in header ? header.fields.join(',') : header.error;
    throw new UsageError(`${file}:${header.line}: the header must be exactly "${ROSTER_HEADER.join(',')}", found "${found}"`, { hint: HINT });
  }
  if (body.length === 0) throw new UsageError(`${file}: no students (the roster has only its header)`, { hint: 'add one line per student below the header' });

  const rows: RosterRow[] = [];
  const problems: RosterProblem[] = [];
  for (const rec of body) {
    if ('error' in rec) {
      problems.push({ file, line: rec.line, field: 'row', message: `not valid CSV: ${rec.error}` });
      continue;
    }
    if (rec.fields.length !== ROSTER_HEADER.length) {
      problems.push({ file, line: rec.line, field: 'row', message: `expected ${ROSTER_HEADER.length} fields (${ROSTER_HEADER.join(',')}), found ${rec.fields.length}` });
      continue;
    }
    const raw = Object.fromEntries(ROSTER_HEADER.map((h, i) => [h, rec.fields[i]]));
    const parsed = rosterRowSchema.safeParse(raw);
    if (parsed.success) {
      rows.push({ ...parsed.data, line: rec.line });
      continue;
    }
    const id = String(raw.id ?? '').trim();
    // The first problem of each field: one line per field is enough to fix it.
    const seen = new Set<string>();
    for (const issue of parsed.error.issues) {
      const field = ROSTER_HEADER.find((h) => h === issue.path[0]) ?? 'row';
      if (seen.has(field)) continue;
      seen.add(field);
      problems.push({ file, line: rec.line, ...(STUDENT_ID_RE.test(id) ? { id } : {}), field, message: issue.message });
    }
  }
  return { rows: dropDuplicates(file, rows, problems), problems: problems.sort((a, b) => a.line - b.line) };
}

/**
 * Every line of a duplicated id is left out, not only the later ones: which directory is really
 * that student's is the teacher's call, and a grade under the wrong id is worse than none.
 */
function dropDuplicates(file: string, rows: RosterRow[], problems: RosterProblem[]): RosterRow[] {
  const byId = new Map<string, RosterRow[]>();
  for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  return rows.filter((r) => {
    const same = byId.get(r.id) ?? [];
    if (same.length < 2) return true;
    const others = same.filter((o) => o !== r).map((o) => o.line);
    problems.push({ file, line: r.line, id: r.id, field: 'id', message: `duplicate id (also on line ${others.join(', ')})` });
    return false;
  });
}

/** The same path, spelled one way: trailing slashes dropped, so "/a/b/" and "/a/b" compare equal. */
export function normalDir(dir: string): string {
  return path.posix.normalize(dir).replace(/(.)\/+$/, '$1');
}
