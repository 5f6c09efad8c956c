import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CORRECT_ADD, hiddenTests, removeClass, roster, SLOW_OWN_TEST, storedResults, studentProject, uniqueClass } from '../helpers/class.js';
import { cluster, k8sGobox, podsWith } from './cluster.js';
import { collect, spawnGobox, waitFor } from '../helpers/gobox.js';
import { dropK8cState, k8cUser } from './k8c-users.js';

const students = () => [k8cUser(4), k8cUser(5)];
const CLASS = uniqueClass('k8c');
const RESUMED = uniqueClass('k8r');

interface JsonStudent { id: string; status: string; message: string | null; passed: number; failed: number; tests: { name: string; status: string; output?: string }[] }

describe('gobox class run on a Kubernetes cluster', () => {
  afterAll(async () => {
    removeClass(CLASS);
    removeClass(RESUMED);
    await dropK8cState(students().map((s) => s.uid));
  });

  it('grades two students in pods, by their tests, with the hidden tests kept out of their dirs', async () => {
    const [good, bad] = students() as [ReturnType<typeof k8cUser>, ReturnType<typeof k8cUser>];
    const dir = `hw-${CLASS}`;
    const dirs = [studentProject(good, dir, { 'add.go': CORRECT_ADD }), studentProject(bad, dir, { 'add.go': 'package hw1\n\nfunc Add(a, b int) int { return a - b }\n' })];
    const file = roster([['s1', good.name, dirs[0]!], ['s2', bad.name, dirs[1]!]]);
    const init = await k8sGobox(['class', 'init', CLASS, '--roster', file, '--timeout', '3m', '--jobs', '2'], { cwd: '/' });
    expect(init.code, init.stderr).toBe(0);
    const run = await k8sGobox(['class', 'run', CLASS, '--tests', hiddenTests(), '--', 'go', 'test', './...'], { cwd: '/', timeoutMs: 1_500_000 });
    expect(run.code, run.stderr).toBe(0);
    const r = await k8sGobox(['class', 'results', CLASS, '--format', 'json'], { cwd: '/' });
    expect(r.code, r.stderr).toBe(0);
    const by = Object.fromEntries((JSON.parse(r.stdout) as { students: JsonStudent[] }).students.map((s) => [s.id, s]));
    expect(by.s1).toMatchObject({ status: 'ok', passed: 2, failed: 0 });
    expect(by.s2).toMatchObject({ status: 'tests-failed', failed: 2 });
    expect(by.s2!.tests.find((t) => t.name === 'TestAdd')!.output).toContain('Add(2, 3) = -1, want 5');
    // Each student's dir was copied into the pod read-only and nothing came back: no hidden test, no build output.
    for (const d of dirs) expect(readdirSync(d).sort()).toEqual(['add.go', 'go.mod']);
    for (const s of students()) expect(await podsWith({ 'gobox.owner': String(s.uid) })).toEqual([]);
    // A second run on each student's own open network (a NetworkPolicy per user and mode) grades the same.
    const open = await k8sGobox(['class', 'run', CLASS, '--network', 'open', '--tests', hiddenTests(), '--', 'go', 'test', './...'], { cwd: '/', timeoutMs: 600_000 });
    expect(open.code, open.stderr).toBe(0);
    const again = JSON.parse((await k8sGobox(['class', 'results', CLASS, '--format', 'json'], { cwd: '/' })).stdout) as { students: JsonStudent[] };
    expect(again.students.map((s) => [s.id, s.status])).toEqual([['s1', 'ok'], ['s2', 'tests-failed']]);
    // The teacher's views: the class with its students' last status, and nobody running now.
    const list = await k8sGobox(['class', 'list', CLASS, '--json'], { cwd: '/' });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('tests-failed');
    const status = await k8sGobox(['class', 'status', CLASS], { cwd: '/' });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).not.toMatch(/running/);
  }, 1_600_000);

  it('survives its client: a killed class run keeps what finished, leaves no pod once resumed, and --resume grades the rest', async () => {
    const ss = students();
    const dirs = ss.map((u) => studentProject(u, `hw-${RESUMED}`, { 'add.go': CORRECT_ADD, 'slow_test.go': SLOW_OWN_TEST }));
    const file = roster(ss.map((u, i) => [`r${i + 1}`, u.name, dirs[i]!]));
    expect((await k8sGobox(['class', 'init', RESUMED, '--roster', file, '--jobs', '1'], { cwd: '/' })).code).toBe(0);
    const child = spawnGobox(['class', 'run', RESUMED, '--', 'go', 'test', './...'], { cwd: '/', env: { GOBOX_CONFIG: cluster.hostConfig } });
    const ended = collect(child, { timeoutMs: 900_000 });
    const results = () => storedResults(RESUMED);
    await waitFor(() => results().length >= 1, 600_000);
    child.kill('SIGKILL');
    await ended;
    expect(results()).toHaveLength(1);

    const resumed = await k8sGobox(['class', 'run', RESUMED, '--resume'], { cwd: '/', timeoutMs: 900_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Only the student without a result was graded again.
    expect(resumed.stderr.match(/^gobox: r\d: ok/gm)).toHaveLength(1);
    const after = JSON.parse((await k8sGobox(['class', 'results', RESUMED, '--format', 'json'], { cwd: '/' })).stdout) as { students: JsonStudent[] };
    expect(after.students.map((s) => [s.id, s.status])).toEqual([['r1', 'ok'], ['r2', 'ok']]);
    // The killed client's pod went when its student's grading came round again.
    expect(await podsWith({ 'gobox.class': RESUMED })).toEqual([]);
  }, 1_600_000);
});
