import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRECT_ADD, ensureStudents, removeClass, roster, STUDENT_USERS, studentProject, uniqueClass } from '../helpers/class.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { collect, spawnGobox, waitFor } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * On a shared host the teacher grades through the daemon, and host config `classes:` says whom:
 * here the teachers' group may grade gobox-cls-1 only. A student can neither start a class run nor
 * read results, and a class run goes on when the teacher's client is killed.
 */
const TEACHER = { name: 'gobox-cls-t', uid: 23860 };
const GROUP = 'gobox-cls-teachers';
const CLASS = uniqueClass('dmn');
const [s1, s2] = STUDENT_USERS as [(typeof STUDENT_USERS)[number], (typeof STUDENT_USERS)[number]];
let d: TestDaemon;
let rosterFile: string;
let tests: string;

const slowOwnTest = 'package hw1\n\nimport (\n\t"testing"\n\t"time"\n)\n\nfunc TestSlow(t *testing.T) { time.Sleep(6 * time.Second) }\n';

beforeAll(async () => {
  ensureStudents();
  ensureTestUser(TEACHER, { docker: false });
  try {
    execFileSync('getent', ['group', GROUP], { stdio: 'ignore' });
  } catch {
    execFileSync('groupadd', [GROUP]);
  }
  execFileSync('usermod', ['-aG', GROUP, TEACHER.name]);
  const dir1 = studentProject(s1, `hw-${CLASS}`, { 'add.go': CORRECT_ADD, 'slow_test.go': slowOwnTest });
  const dir2 = studentProject(s2, `hw-${CLASS}`, { 'add.go': CORRECT_ADD });
  // The teacher's own files: a roster and hidden tests only they (and root) can read.
  const mine = mkdtempSync('/tmp/gobox-it-teacher-');
  rosterFile = roster([['s1', s1.name, dir1], ['s2', s2.name, dir2]]);
  execFileSync('cp', [rosterFile, path.join(mine, 'roster.csv')]);
  rosterFile = path.join(mine, 'roster.csv');
  tests = path.join(mine, 'tests');
  execFileSync('mkdir', [tests]);
  writeFileSync(path.join(tests, 'grade_test.go'), 'package hw1\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) { if Add(2, 3) != 5 { t.Fatal("Add") } }\n');
  execFileSync('chown', ['-R', `${TEACHER.uid}:${TEACHER.uid}`, mine]);
  chmodSync(mine, 0o700);
  d = await startTestDaemon([TEACHER.name, s1.name, s2.name], `serve:\n  users: [${TEACHER.name}, ${s1.name}, ${s2.name}]\nclasses:\n  - group: ${GROUP}\n    users: [${s1.name}]\n`);
}, 600_000);

afterAll(async () => {
  await d?.stop();
  removeClass(CLASS);
});

describe('gobox class through the daemon', () => {
  it('lets the teacher set up a class with only the students the policy allows', async () => {
    const r = await d.run(TEACHER.name, ['class', 'init', CLASS, '--roster', rosterFile, '--tests', tests, '--timeout', '2m'], { cwd: '/tmp' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`student s2: ${TEACHER.name} may not grade user ${s2.name}`));
    expect(r.stdout).toMatch(/1 student\(s\) ready to grade/);
  });

  it('refuses students: no class run, no results, no class of their own', async () => {
    for (const args of [['class', 'run', CLASS, '--', 'go', 'test'], ['class', 'results', CLASS], ['class', 'init', `${CLASS}-x`, '--roster', '/dev/null']]) {
      const r = await d.run(s1.name, args, { cwd: '/tmp' });
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(new RegExp(`${s1.name} may not grade class|cannot read`));
    }
    const list = await d.run(s1.name, ['class', 'list', '--json'], { cwd: '/tmp' });
    expect((JSON.parse(list.stdout) as { name: string }[]).map((c) => c.name)).not.toContain(CLASS);
  });

  it('refuses hidden tests the teacher could not read themselves', async () => {
    const rootOnly = mkdtempSync('/tmp/gobox-it-rootonly-');
    writeFileSync(path.join(rootOnly, 'x_test.go'), 'package hw1\n');
    chmodSync(rootOnly, 0o700);
    chownSync(rootOnly, 0, 0);
    const r = await d.run(TEACHER.name, ['class', 'run', CLASS, '--tests', rootOnly, '--', 'go', 'test'], { cwd: '/tmp' });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/you cannot read it yourself/);
  });

  it('finishes a class run whose teacher client was killed, and shows its results afterwards', async () => {
    const child = spawnGobox(['class', 'run', CLASS, '--', 'go', 'test', './...'], { cwd: '/tmp', user: TEACHER.name, env: d.clientEnv });
    const ended = collect(child, { timeoutMs: 600_000 });
    await waitFor(() => execFileSync('docker', ['ps', '-q', '--filter', `label=gobox.class=${CLASS}`], { encoding: 'utf8' }).trim() || undefined, 300_000, 200);
    // The client itself (runuser passes no SIGKILL on): gone while its student is being graded.
    execFileSync('pkill', ['-KILL', '-u', TEACHER.name, '-f', 'class run']);
    await ended;
    let last = '';
    const deadline = Date.now() + 300_000;
    for (;;) {
      const r = await d.run(TEACHER.name, ['class', 'results', CLASS, '--format', 'json'], { cwd: '/tmp' });
      last = r.stdout + r.stderr;
      if (r.code === 0 && !/not graded yet/.test(r.stderr)) {
        const doc = JSON.parse(r.stdout) as { students: { id: string; status: string; points: number; message: string | null }[] };
        expect(doc.students.map((s) => [s.id, s.status, s.points])).toEqual([['s1', 'ok', 2], ['s2', 'error', 0]]);
        // The student outside the policy is listed with the reason, and nothing of theirs ran.
        expect(doc.students[1]!.message).toMatch(new RegExp(`may not grade user ${s2.name}`));
        break;
      }
      if (Date.now() > deadline) throw new Error(`the class run never finished in the daemon: ${last}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(d.audit().some((e) => e.event === 'class' && e.user === TEACHER.name)).toBe(true);
  }, 600_000);
});
