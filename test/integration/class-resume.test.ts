import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRECT_ADD, ensureStudents, hiddenTests, removeClass, roster, SLOW_OWN_TEST, storedResults, STUDENT_USERS, studentProject, uniqueClass } from '../helpers/class.js';
import { shared } from '../helpers/env.js';
import { collect, gobox, spawnGobox, waitFor } from '../helpers/gobox.js';

/**
 * A class run must survive its teacher's terminal: what finished stays, and --resume grades the
 * rest. Bad input costs one line for that student or the command, never the class.
 */
const CLASS = uniqueClass('resume');
const BAD = uniqueClass('bad');
const users = STUDENT_USERS.slice(0, 3);
let tests: string;

beforeAll(() => {
  ensureStudents();
  tests = hiddenTests();
});

afterAll(() => {
  removeClass(CLASS);
  removeClass(BAD);
});


describe('a class run whose client is killed midway', () => {
  it('keeps the finished students, and --resume grades only the rest', async () => {
    const dirs = users.map((u) => studentProject(u, `hw-${CLASS}`, { 'add.go': CORRECT_ADD, 'slow_test.go': SLOW_OWN_TEST }));
    const file = roster(users.map((u, i) => [`r${i + 1}`, u.name, dirs[i]!]));
    expect((await gobox(['class', 'init', CLASS, '--roster', file, '--jobs', '1'], { cwd: '/' })).code).toBe(0);
    const child = spawnGobox(['class', 'run', CLASS, '--tests', tests, '--', 'go', 'test', './...'], { cwd: '/' });
    const ended = collect(child, { timeoutMs: 900_000 });
    const results = () => storedResults(CLASS);
    await waitFor(() => results().length >= 1, 600_000);
    child.kill('SIGKILL');
    await ended;
    const kept = results();
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(3);

    const partial = await gobox(['class', 'results', CLASS, '--format', 'json'], { cwd: '/' });
    expect(partial.stderr).toMatch(/not graded yet: gobox class run .* --resume/);
    const before = JSON.parse(partial.stdout) as { students: { id: string; status: string; message: string | null }[] };
    expect(before.students).toHaveLength(3);
    expect(before.students.filter((s) => s.message?.startsWith('not graded'))).toHaveLength(3 - kept.length);

    const resumed = await gobox(['class', 'run', CLASS, '--resume'], { cwd: '/', timeoutMs: 900_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Only the students without a result were graded again.
    expect(resumed.stderr.match(/^gobox: r\d: ok/gm)).toHaveLength(3 - kept.length);
    const after = JSON.parse((await gobox(['class', 'results', CLASS, '--format', 'json'], { cwd: '/' })).stdout) as { students: { id: string; status: string; points: number }[] };
    expect(after.students.map((s) => [s.id, s.status, s.points])).toEqual([
      ['r1', 'ok', 3],
      ['r2', 'ok', 3],
      ['r3', 'ok', 3],
    ]);
    // The killed client's sandbox is gone too.
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=gobox.class=${CLASS}`], { encoding: 'utf8' }).trim();
    expect(left).toBe('');
  }, 900_000);
});

describe('bad input to gobox class', () => {
  it('refuses a roster that is empty or not a roster, in one line, writing nothing', async () => {
    const dir = path.dirname(roster([]));
    writeFileSync(path.join(dir, 'empty.csv'), '');
    writeFileSync(path.join(dir, 'wrong.csv'), 'name,mail\nann,a@x.edu\n');
    for (const f of ['empty.csv', 'wrong.csv']) {
      const r = await gobox(['class', 'init', BAD, '--roster', path.join(dir, f)], { cwd: '/' });
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^gobox: .*roster/);
      expect(existsSync(path.join(shared.stateDir, 'classes', BAD))).toBe(false);
    }
  });

  it('grades everybody else when a dir is missing, a symlink elsewhere, or a user is gone; refuses --jobs 0 and an empty tests dir', async () => {
    const [a, b, c] = users as [typeof users[number], typeof users[number], typeof users[number]];
    const good = studentProject(a, `hw-${BAD}`, { 'add.go': CORRECT_ADD });
    const link = path.join('/home', b.name, `hw-${BAD}-link`);
    rmSync(link, { force: true });
    symlinkSync(good, link);
    execFileSync('chown', ['-h', `${b.uid}:${b.uid}`, link]);
    const file = roster([
      ['ok1', a.name, good],
      ['link', b.name, link],
      ['gone', c.name, path.join('/home', c.name, 'missing')],
      ['nouser', 'gobox-no-such-user', good],
    ]);
    const init = await gobox(['class', 'init', BAD, '--roster', file], { cwd: '/' });
    expect(init.code, init.stderr).toBe(0);
    const problems = init.stderr.split('\n').filter((l) => l.startsWith('gobox: '));
    expect(problems.find((l) => l.includes('student link'))).toMatch(/dir: /);
    expect(problems.find((l) => l.includes('student gone'))).toMatch(/does not exist/);
    expect(problems.find((l) => l.includes('student nouser'))).toMatch(/unknown unix user/);

    const jobs0 = await gobox(['class', 'run', BAD, '--jobs', '0', '--', 'go', 'test'], { cwd: '/' });
    expect(jobs0.code).toBe(125);
    expect(jobs0.stderr).toMatch(/--jobs 0: expected at least 1 job/);
    const empty = path.join(path.dirname(file), 'no-tests');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'README'), 'nothing here\n');
    const noTests = await gobox(['class', 'run', BAD, '--tests', empty, '--', 'go', 'test'], { cwd: '/' });
    expect(noTests.code).toBe(125);
    expect(noTests.stderr).toMatch(/no _test.go files/);
    const notGoTest = await gobox(['class', 'run', BAD, '--', 'go', 'build', './...'], { cwd: '/' });
    expect(notGoTest.code).toBe(125);

    const run = await gobox(['class', 'run', BAD, '--tests', tests, '--', 'go', 'test', './...'], { cwd: '/', timeoutMs: 600_000 });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse((await gobox(['class', 'results', BAD, '--json'], { cwd: '/' })).stdout) as { students: { id: string; status: string }[] };
    expect(Object.fromEntries(doc.students.map((s) => [s.id, s.status]))).toEqual({ ok1: 'ok', link: 'error', gone: 'error', nouser: 'error' });
  }, 600_000);
});
