import { createServer, type Server } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { marked, type Tokens } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elements, parseXml } from '../../src/app/class/formats/xml-tree.test-util.js';
import { CORRECT_ADD, ensureStudents, hiddenTests, removeClass, roster, STUDENT_USERS, studentProject, uniqueClass } from '../helpers/class.js';
import { gobox } from '../helpers/gobox.js';

/**
 * A class of six real users, graded side by side: one correct, one failing a test, one that does
 * not compile, one that loops forever, one that allocates past the memory limit, and one that
 * tries to read another student's work, the hidden tests and the network (and must find nothing);
 * and two more: one that prints 100 MB, one that fork-bombs and fills its disk.
 */
type U = (typeof STUDENT_USERS)[number];
const [u1, u2, u3, u4, u5, u6, u7, u8] = STUDENT_USERS as [U, U, U, U, U, U, U, U];
const CLASS = uniqueClass('it');
let tests: string;
let listener: Server;
let port: number;

const own = (body: string, imports = '"testing"') => `package hw1\n\nimport (\n${imports}\n)\n\n${body}\n`;

function snoopTest(): string {
  return own(
    `func TestSeesNothingOfOthers(t *testing.T) {
	if _, err := os.ReadFile("/home/${u1.name}/hw-${CLASS}/add.go"); err == nil {
		t.Fatal("read another student's file")
	}
	if b, err := os.ReadFile("grade_test.go"); err == nil {
		t.Fatalf("read the hidden test: %d bytes", len(b))
	}
	_ = filepath.WalkDir("/", func(p string, d fs.DirEntry, err error) error {
		if p == "/proc" || p == "/sys" || p == "/dev" {
			return filepath.SkipDir
		}
		if err == nil && d.Name() == "grade_test.go" {
			t.Errorf("found the hidden test at %s", p)
		}
		return nil
	})
	if c, err := net.DialTimeout("tcp", "172.17.0.1:${port}", 3*time.Second); err == nil {
		c.Close()
		t.Fatal("reached the host over the network")
	}
	if _, err := net.LookupHost("proxy.golang.org"); err == nil {
		t.Fatal("resolved a name")
	}
}`,
    '\t"io/fs"\n\t"net"\n\t"os"\n\t"path/filepath"\n\t"testing"\n\t"time"',
  );
}

/** Forks until the pids limit says no, then fills /tmp until the tmpfs says no: both must fail inside. */
const BOMB = `func TestBomb(t *testing.T) {
	var cmds []*exec.Cmd
	for i := 0; i < 2000; i++ {
		c := exec.Command("sleep", "60")
		if err := c.Start(); err != nil {
			t.Logf("fork %d refused: %v", i, err)
			break
		}
		cmds = append(cmds, c)
	}
	// Give the pids back first: Go's runtime itself needs threads for what comes next.
	n := len(cmds)
	for _, c := range cmds {
		c.Process.Kill()
		c.Wait()
	}
	if n >= 2000 {
		t.Fatal("2000 processes: no pids limit")
	}
	f, err := os.Create("/tmp/fill")
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for i := 0; i < 4096; i++ {
		if _, err := f.Write(chunk); err != nil {
			t.Fatalf("disk full after %d MiB: %v", i, err)
		}
	}
}`;

beforeAll(async () => {
  ensureStudents();
  listener = createServer((s) => s.end('hello\n'));
  await new Promise<void>((r) => listener.listen(0, '0.0.0.0', r));
  port = (listener.address() as { port: number }).port;
  tests = hiddenTests();
  const dir = `hw-${CLASS}`;
  const add = { 'add.go': CORRECT_ADD };
  const dirs = [
    studentProject(u1, dir, { ...add, 'own_test.go': own('func TestOwn(t *testing.T) {}') }),
    studentProject(u2, dir, { 'add.go': 'package hw1\n\nfunc Add(a, b int) int { return a - b }\n' }),
    studentProject(u3, dir, { 'add.go': 'package hw1\n\nfunc Add(a, b int) int { return a + }\n' }),
    studentProject(u4, dir, { ...add, 'loop_test.go': own('func TestLoop(t *testing.T) {\n\tfor {\n\t}\n}') }),
    studentProject(u5, dir, { ...add, 'mem_test.go': own('func TestMem(t *testing.T) {\n\tb := make([]byte, 3<<30)\n\tfor i := 0; i < len(b); i += 4096 {\n\t\tb[i] = 1\n\t}\n}') }),
    studentProject(u6, dir, { ...add, 'snoop_test.go': snoopTest() }),
    studentProject(u7, dir, { ...add, 'zz_flood_test.go': own('func TestFlood(t *testing.T) {\n\tline := strings.Repeat("x", 1023) + "\\n"\n\tfor i := 0; i < 100*1024; i++ {\n\t\tfmt.Print(line)\n\t}\n}', '\t"fmt"\n\t"strings"\n\t"testing"') }),
    studentProject(u8, dir, { ...add, 'zz_bomb_test.go': own(BOMB, '\t"bytes"\n\t"os"\n\t"os/exec"\n\t"testing"') }),
  ];
  const file = roster([
    ...STUDENT_USERS.map((u, i) => [`s${i + 1}`, u.name, dirs[i]!] as [string, string, string]),
    ['s9', 'gobox-cls-gone', `/home/${u1.name}/${dir}`],
    ['s10', u2.name, `/home/${u2.name}/no-such-dir`],
  ]);
  const init = await gobox(['class', 'init', CLASS, '--roster', file, '--timeout', '40s', '--jobs', '2'], { cwd: '/' });
  expect(init.stderr).toMatch(/student s9: user: unknown unix user gobox-cls-gone/);
  expect(init.stderr).toMatch(/student s10: dir: /);
  expect(init.code, init.stderr).toBe(0);
  const run = await gobox(['class', 'run', CLASS, '--tests', tests, '--', 'go', 'test', './...'], { cwd: '/', timeoutMs: 900_000 });
  expect(run.code, run.stderr).toBe(0);
}, 900_000);

afterAll(() => {
  listener?.close();
  removeClass(CLASS);
});

async function results(format: string): Promise<string> {
  const r = await gobox(['class', 'results', CLASS, '--format', format], { cwd: '/' });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

interface JsonStudent { id: string; status: string; message: string | null; passed: number; failed: number; points: number; maxPoints: number; tests: { name: string; status: string; output?: string }[]; buildFailures: { lines: string[] }[] }

describe('gobox class run on eight real students', () => {
  it('grades each student by their tests, with the reason a run was cut short', async () => {
    const doc = JSON.parse(await results('json')) as { students: JsonStudent[] };
    const by = Object.fromEntries(doc.students.map((s) => [s.id, s]));
    const statuses = (id: string) => Object.fromEntries(by[id]!.tests.map((t) => [t.name, t.status]));
    expect(by.s1).toMatchObject({ status: 'ok', passed: 3, failed: 0, points: 3, maxPoints: 3 });
    expect(by.s2).toMatchObject({ status: 'tests-failed', points: 0, maxPoints: 2 });
    expect(by.s2!.tests.find((t) => t.name === 'TestAdd')!.output).toContain('Add(2, 3) = -1, want 5');
    expect(by.s3!.status).toBe('build-failed');
    expect(by.s3!.buildFailures[0]!.lines.join('\n')).toMatch(/syntax error/);
    expect(statuses('s3')).toEqual({ TestAdd: 'fail', TestAddNegative: 'fail' });
    // The loop: the teacher's tests that finished before it keep their pass (partial credit).
    expect(by.s4!.status).toBe('timeout');
    expect(statuses('s4')).toMatchObject({ TestAdd: 'pass', TestAddNegative: 'pass', TestLoop: 'timeout' });
    expect(by.s5!.status).toBe('memory-limit');
    expect(by.s5!.message).toMatch(/memory limit exceeded \(1 GiB\)/);
    expect(statuses('s5')).toMatchObject({ TestAdd: 'pass', TestMem: 'fail' });
    // Found nothing of anyone else's, nothing of the hidden tests, and no network: its own test says so.
    expect(statuses('s6')).toEqual({ TestAdd: 'pass', TestAddNegative: 'pass', TestSeesNothingOfOthers: 'pass' });
    expect(by.s6!.status).toBe('ok');
    // 100 MB of output ends that student's run at the profile's cap, with the tests before it kept.
    expect(by.s7).toMatchObject({ status: 'error', message: expect.stringMatching(/output limit 16 MiB exceeded/) });
    expect(statuses('s7')).toMatchObject({ TestAdd: 'pass', TestAddNegative: 'pass' });
    // The fork bomb hits the pids limit and the disk fill the tmpfs: the test fails, the run is whole.
    expect(by.s8!.status).toBe('tests-failed');
    expect(by.s8!.tests.find((t) => t.name === 'TestBomb')!.output).toMatch(/fork \d+ refused[\s\S]*disk full after \d+ MiB/);
  });

  it('lists roster problems as one line each, with every other student graded', async () => {
    const doc = JSON.parse(await results('json')) as { students: JsonStudent[] };
    expect(doc.students.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10']);
    const s9 = doc.students.find((s) => s.id === 's9')!;
    expect(s9).toMatchObject({ status: 'error', points: 0, maxPoints: 2 });
    expect(s9.message).toMatch(/^[^\n]*unknown unix user gobox-cls-gone$/);
  });

  it('never writes the hidden tests into a student directory', () => {
    for (const u of STUDENT_USERS) {
      const files = readdirSync(path.join('/home', u.name, `hw-${CLASS}`));
      expect(files).not.toContain('grade_test.go');
    }
  });

  it('writes CSV, JUnit, Gradescope and Markdown that parse back to the same grades', async () => {
    const rows = parseCsv(await results('csv'), { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.student_id === 's1')).toMatchObject({ score: '3', max_score: '3', status: 'ok' });
    expect(rows.find((r) => r.student_id === 's2')).toMatchObject({ score: '0', status: 'tests-failed' });
    const junit = parseXml(await results('junit'));
    expect(junit.name).toBe('testsuites');
    const suites = elements(junit);
    expect(suites.map((s) => s.attrs.name)).toContain('s4');
    const s2 = suites.find((s) => s.attrs.name === 's2')!;
    expect(Number(s2.attrs.failures)).toBeGreaterThanOrEqual(2);
    const gs = JSON.parse(await results('gradescope')) as Record<string, { score: number; max_score: number; tests: { name: string; visibility: string }[] }>;
    expect(gs.s1).toMatchObject({ score: 3, max_score: 3 });
    // The teacher's tests are hidden from students until grades are published; their own are not.
    expect(gs.s1!.tests.find((t) => t.name.endsWith('TestAdd'))!.visibility).toBe('after_published');
    expect(gs.s1!.tests.find((t) => t.name.endsWith('TestOwn'))!.visibility).toBe('visible');
    // Markdown through a real parser: a table with a row per student.
    const tables = marked.lexer(await results('markdown')).filter((t): t is Tokens.Table => t.type === 'table');
    const rowsOf = tables.flatMap((t) => t.rows.map((r) => r.map((c) => c.text)));
    expect(rowsOf.find((r) => r[0] === 's1')).toBeDefined();
    expect(rowsOf.find((r) => r[0] === 's5')?.join(' ')).toMatch(/memory\\?-limit/);
    const table = await results('table');
    expect(table.split('\n')[0]).toMatch(/^STUDENT\s+PASSED\s+POINTS\s+STATUS/);
    expect(table).toMatch(/s5\s+.*memory-limit/);
    // Peak memory is read from the sandbox's cgroup: the hog's is near the 1 GiB limit.
    expect(table).toMatch(/s5\s+.*\s(9\d\d(\.\d)? MiB|1(\.0)? GiB)$/m);
  });

  it('lists the class and its students with their last status', async () => {
    const list = await gobox(['class', 'list', '--json'], { cwd: '/' });
    expect(list.code, list.stderr).toBe(0);
    const mine = (JSON.parse(list.stdout) as { name: string; students: number; lastRun?: { counts: Record<string, number> } }[]).find((c) => c.name === CLASS)!;
    expect(mine.students).toBe(8);
    expect(mine.lastRun!.counts).toMatchObject({ ok: 2, 'tests-failed': 2, 'build-failed': 1, timeout: 1, 'memory-limit': 1, error: 3 });
    const one = await gobox(['class', 'list', CLASS, '--json'], { cwd: '/' });
    const detail = JSON.parse(one.stdout) as { studentList: { id: string; uid: number; lastStatus: string; cache?: { usedBytes: number; limitBytes: number } }[] };
    expect(detail.studentList.find((s) => s.id === 's5')).toMatchObject({ uid: u5.uid, lastStatus: 'memory-limit' });
    // The student's own cache against its quota (the size is whatever profile made it first).
    const cache = detail.studentList.find((s) => s.id === 's1')!.cache as { usedBytes: number; limitBytes: number } | undefined;
    expect(cache!.limitBytes).toBeGreaterThan(0);
    expect(cache!.usedBytes).toBeLessThanOrEqual(cache!.limitBytes);
    const status = await gobox(['class', 'status', CLASS], { cwd: '/' });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/nobody is being graded now/);
  });

  it('keeps student runs apart from the hidden tests: a student\'s own gobox run sees only their files', async () => {
    // Root in a student's project runs as its owner, the student.
    const own = await gobox(['run', 'ls'], { cwd: path.join('/home', u1.name, `hw-${CLASS}`) });
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout.split('\n').filter(Boolean).sort()).toEqual(['add.go', 'go.mod', 'own_test.go']);
    expect(readFileSync(path.join(tests, 'grade_test.go'), 'utf8')).toContain('TestAddNegative');
  });
});
