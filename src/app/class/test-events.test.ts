import { describe, expect, it } from 'vitest';
import { GO_VERSIONS, fixture } from './fixtures.test-util.js';
import { studentResultSchema } from './result.js';
import { scoreStudent } from './score.js';
import { TestEventCollector, studentResult } from './test-events.js';
import { ungradedStudent } from './ungraded.js';

const statuses = (r: { tests: { name: string; status: string }[] }) =>
  Object.fromEntries(r.tests.map((t) => [t.name, t.status]));

describe.each(GO_VERSIONS)('go test -json of %s', (version) => {
  const result = (module: string, over: Partial<Parameters<typeof studentResult>[0]> = {}) => {
    const r = studentResult({ id: 's1', ...fixture(version, module), ...over });
    // What the class runner stores must read back through the same schema.
    expect(studentResultSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
    return r;
  };

  it('a passing module is ok, every test passed', () => {
    const r = result('pass');
    expect(r.status).toBe('ok');
    expect(statuses(r)).toEqual({ TestAdd: 'pass', TestAddZero: 'pass' });
    expect(r.tests.every((t) => t.package === 'example.com/pass')).toBe(true);
  });

  it('a failing test is tests-failed with its message, the others still pass', () => {
    const r = result('failing');
    expect(r.status).toBe('tests-failed');
    expect(statuses(r)).toEqual({ TestMin: 'pass', TestMax: 'fail' });
    expect(r.tests.find((t) => t.name === 'TestMax')!.output).toContain('Max(1, 2) = 1, want 2');
    expect(r.tests.find((t) => t.name === 'TestMax')!.output).not.toContain('--- FAIL');
  });

  it('a package that does not compile is build-failed with the compiler lines, the other package graded', () => {
    const r = result('nocompile', { expected: [{ name: 'TestTwo', package: 'example.com/nocompile/broken' }] });
    expect(r.status).toBe('build-failed');
    expect(r.buildFailures).toHaveLength(1);
    expect(r.buildFailures[0]!.package).toBe('example.com/nocompile/broken');
    expect(r.buildFailures[0]!.lines[0]).toMatch(/^broken\/broken\.go:5:2: .*unused/);
    expect(r.buildFailures[0]!.lines.join('\n')).toContain('cannot use "two"');
    expect(r.tests).toContainEqual({ name: 'TestOne', package: 'example.com/nocompile/ok', status: 'pass', elapsed: 0, output: '' });
    expect(r.tests).toContainEqual({ name: 'TestTwo', package: 'example.com/nocompile/broken', status: 'fail', elapsed: 0, output: 'build failed' });
  });

  it('a panic in a test fails that test; a panic at init is a package failure', () => {
    const r = result('panic');
    expect(r.status).toBe('tests-failed');
    expect(statuses(r)).toEqual({ TestBefore: 'pass', TestNilMap: 'fail' });
    expect(r.tests.find((t) => t.name === 'TestNilMap')!.output).toContain('assignment to entry in nil map');
    expect(r.packageFailures).toHaveLength(1);
    expect(r.packageFailures[0]!.package).toBe('example.com/panic/atinit');
    expect(r.packageFailures[0]!.output).toMatch(/^panic: runtime error: slice bounds out of range/);
    expect(r.packageFailures[0]!.output).not.toMatch(/^FAIL/m);
  });

  it('subtests count, their parent does not; skips are skips; names keep Go\'s spelling', () => {
    const r = result('subtests');
    expect(r.status).toBe('tests-failed');
    expect(statuses(r)).toEqual({
      'TestUpper/plain': 'pass',
      'TestUpper/comma,_"quoted"': 'pass',
      'TestUpper/less<than_&_amp': 'pass',
      'TestUpper/größe_é': 'pass',
      'TestUpper/wrong': 'fail',
      TestSkipped: 'skip',
      'TestSubSkip/runs': 'pass',
      'TestSubSkip/skips': 'skip',
      // Its subtest passed, yet the parent failed by itself: the parent is what counts then.
      'TestParentOwn/inner': 'pass',
      TestParentOwn: 'fail',
    });
    expect(r.tests.find((t) => t.name === 'TestParentOwn')!.output).toContain('checked after the subtests');
    expect(r.tests.find((t) => t.name === 'TestSkipped')!.output).toContain('needs a network');
  });

  it('go test -timeout keeps the finished tests and marks the running and never-started ones timed out', () => {
    const r = result('loop', { expected: [{ name: 'TestQuick' }, { name: 'TestForever' }, { name: 'TestNeverStarted' }] });
    expect(r.status).toBe('timeout');
    expect(r.message).toBe('test timed out after 3s');
    expect(statuses(r)).toEqual({ TestQuick: 'pass', TestForever: 'timeout', TestNeverStarted: 'timeout' });
    expect(r.tests.find((t) => t.name === 'TestForever')!.elapsed).toBeGreaterThan(2.5);
    expect(r.packageFailures).toEqual([]);
  });

  it('the wall clock cutting the stream midway keeps what finished', () => {
    const { stdout } = fixture(version, 'loop');
    const cut = stdout.slice(0, stdout.indexOf('panic: test timed out'));
    const r = result('loop', { stdout: cut, end: { exitCode: 124, reason: 'timeout', durationMs: 120_000 } });
    expect(r.status).toBe('timeout');
    expect(r.message).toBe('wall clock limit reached after 2m');
    expect(statuses(r)).toEqual({ TestQuick: 'pass', TestForever: 'timeout' });
  });

  it('an OOM kill is memory-limit with the limit, and unfinished tests fail with it', () => {
    const { stdout } = fixture(version, 'loop');
    const cut = stdout.slice(0, stdout.indexOf('panic: test timed out'));
    const r = result('loop', {
      stdout: cut,
      end: { exitCode: 137, reason: 'oom', durationMs: 5000, memoryLimitBytes: 512 * 1024 ** 2, peakMemoryBytes: 512 * 1024 ** 2 },
    });
    expect(r.status).toBe('memory-limit');
    expect(r.message).toBe('memory limit exceeded (512 MiB)');
    expect(statuses(r)).toEqual({ TestQuick: 'pass', TestForever: 'fail' });
    expect(r.tests.find((t) => t.name === 'TestForever')!.output).toContain('memory limit exceeded (512 MiB)');
    expect(r.peakMemoryBytes).toBe(512 * 1024 ** 2);
  });
});

describe('TestEventCollector', () => {
  it('gives the same result fed in arbitrary chunks, a line cut in half included', () => {
    const f = fixture('go1.26', 'subtests');
    const whole = studentResult({ id: 's', ...f });
    const c = new TestEventCollector();
    for (let i = 0; i < f.stdout.length; i += 37) c.write(f.stdout.slice(i, i + 37));
    expect(c.finish({ id: 's', stderr: f.stderr, end: f.end })).toEqual(whole);
  });

  it('a half-written last line (output cap) is ignored, the output limit is the status', () => {
    const f = fixture('go1.26', 'failing');
    const r = studentResult({ id: 's', ...f, stdout: `${f.stdout}{"Action":"outp`, end: { exitCode: 137, reason: 'output-limit', durationMs: 1, outputLimitBytes: 1024 ** 2 } });
    expect(r.status).toBe('error');
    expect(r.message).toBe('output limit 1 MiB exceeded');
    expect(r.tests).toHaveLength(2);
  });

  it('a go test that failed before any test (no go.mod) is an error with its first line', () => {
    const r = studentResult({ id: 's', stdout: '', stderr: 'go: go.mod file not found in current directory or any parent directory\n', end: { exitCode: 1, reason: 'exited', durationMs: 1 } });
    expect(r.status).toBe('error');
    expect(r.message).toBe('go: go.mod file not found in current directory or any parent directory');
    expect(r.tests).toEqual([]);
  });
});

describe('ungradedStudent', () => {
  it('is an error with every expected test failed, so its max matches the class', () => {
    const r = ungradedStudent({ id: 'hal', message: 'hal: directory /home/hal/hw1 is missing', expected: [{ name: 'TestA', package: 'p' }, { name: 'TestB' }] });
    expect(studentResultSchema.parse(r)).toEqual(r);
    const s = scoreStudent(r, []);
    expect([s.status, s.points, s.maxPoints, s.failed]).toEqual(['error', 0, 2, 2]);
  });
});

describe.each(GO_VERSIONS)('a chatty %s module', (version) => {
  const r = studentResult({ id: 's', ...fixture(version, 'chatty') });

  it('keeps a capped part of a flood of output', () => {
    const flood = r.tests.find((t) => t.name === 'TestFlood')!;
    expect(flood.status).toBe('fail');
    expect(flood.output.startsWith('line 0\nline 1\n')).toBe(true);
    expect(flood.output.endsWith('[output truncated]')).toBe(true);
    expect(flood.output.length).toBeLessThan(8300);
  });

  it('a test printing go test\'s own pass line still fails', () => {
    expect(r.tests.find((t) => t.name === 'TestSpoof')!.status).toBe('fail');
    expect(r.status).toBe('tests-failed');
  });
});
