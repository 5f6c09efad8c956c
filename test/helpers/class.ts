import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { shared } from './env.js';
import { ensureTestUser } from './users.js';

/** The students of the class tests: real unix users, each with a home of their own. */
export const STUDENT_USERS = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ name: `gobox-cls-${n}`, uid: 23850 + n }));

export function ensureStudents(): void {
  for (const u of STUDENT_USERS) ensureTestUser(u, { docker: false });
}

export const GO_MOD = 'module example.com/hw1\n\ngo 1.19\n';
export const CORRECT_ADD = 'package hw1\n\nfunc Add(a, b int) int { return a + b }\n';

/** A student's project in their home, written and owned by them; `name` keeps tests apart. */
export function studentProject(user: { name: string; uid: number }, name: string, files: Record<string, string>): string {
  const dir = path.join('/home', user.name, name);
  rmSync(dir, { recursive: true, force: true });
  for (const [file, text] of Object.entries({ 'go.mod': GO_MOD, ...files })) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  execFileSync('chown', ['-R', `${user.uid}:${user.uid}`, dir]);
  chmodSync(dir, 0o755);
  return dir;
}

/** The teacher's hidden tests: two tests of Add, in a dir only root can read. */
export function hiddenTests(): string {
  const dir = mkdtempSync('/tmp/gobox-it-class-tests-');
  writeFileSync(
    path.join(dir, 'grade_test.go'),
    'package hw1\n\nimport "testing"\n\n' +
      'func TestAdd(t *testing.T) { if Add(2, 3) != 5 { t.Fatalf("Add(2, 3) = %d, want 5", Add(2, 3)) } }\n\n' +
      'func TestAddNegative(t *testing.T) { if Add(-2, -3) != -5 { t.Fatal("Add(-2, -3) != -5") } }\n',
  );
  chmodSync(dir, 0o700);
  return dir;
}

export function roster(lines: [id: string, user: string, dir: string][]): string {
  const file = path.join(mkdtempSync('/tmp/gobox-it-class-roster-'), 'roster.csv');
  writeFileSync(file, ['id,user,name,email,dir', ...lines.map(([id, user, dir]) => `${id},${user},Student ${id},${id}@school.edu,${dir}`)].join('\n') + '\n');
  return file;
}

export function uniqueClass(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

export function removeClass(name: string): void {
  rmSync(path.join(shared.stateDir, 'classes', name), { recursive: true, force: true });
}

export function storedResult(name: string, runId: string, id: string): unknown {
  return JSON.parse(readFileSync(path.join(shared.stateDir, 'classes', name, 'runs', runId, 'students', `${id}.json`), 'utf8'));
}

/** The student results a class's first run has stored so far (its students/*.json), as a killed client left them. */
export function storedResults(name: string): string[] {
  const runs = path.join(shared.stateDir, 'classes', name, 'runs');
  const [run] = existsSync(runs) ? readdirSync(runs).filter((r) => /^\d{8}T/.test(r)) : [];
  return run ? readdirSync(path.join(runs, run, 'students')).filter((f) => f.endsWith('.json')) : [];
}

/** A student's own test that takes 8 s: a class run is still busy when its first student is done. */
export const SLOW_OWN_TEST = 'package hw1\n\nimport (\n\t"testing"\n\t"time"\n)\n\nfunc TestSlow(t *testing.T) { time.Sleep(8 * time.Second) }\n';
