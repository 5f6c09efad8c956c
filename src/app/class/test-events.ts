import { buildOutputByPackage, failedBuildLine, firstBuildLines } from './build-output.js';
import {
  MAX_OUTPUT_CHARS,
  MAX_OUTPUT_LINES,
  capOutput,
  type BuildFailure,
  type PackageFailure,
  type StudentResult,
  type StudentStatus,
  type TestResult,
  type TestStatus,
} from './result.js';
import { forcedEnd, unfinishedStatus, type RunEnd } from './run-end.js';
import { gradedTests, missingExpected, type ExpectedTest } from './test-tree.js';
import { packageOfImportPath, parseTestLine, type TestEvent } from './test-event.js';

export type { RunEnd } from './run-end.js';
export type { ExpectedTest } from './test-tree.js';

interface TestState {
  name: string;
  package: string;
  status?: TestStatus;
  elapsed: number;
  startedAt?: number;
  output: string[];
}

/** go test's framing lines, which say again what the events already say. */
const FRAMING = /^\s*(=== (RUN|PAUSE|CONT|NAME)\s|--- (PASS|FAIL|SKIP): )/;
const GO_TIMEOUT = /^panic: test timed out after (\S+)/;

/**
 * Folds one student's `go test -json` stdout into per-test results. It is fed as the stream
 * arrives (`write`), so the class runner needs no copy of a large output, and it keeps what
 * finished when the stream is cut: a timeout or an OOM kill still gives partial credit.
 */
export class TestEventCollector {
  private readonly tests = new Map<string, TestState>();
  private readonly packageOutput = new Map<string, string[]>();
  private readonly packageStatus = new Map<string, string>();
  private readonly buildEventOutput = new Map<string, string[]>();
  /** Packages whose test binary did not build, and the packages whose compile failed. */
  private readonly unbuilt = new Set<string>();
  private readonly failedCompiles = new Set<string>();
  private readonly timedOutPackages = new Set<string>();
  private goTimeout: string | undefined;
  private lastTime: number | undefined;
  private partial = '';

  write(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  line(line: string): void {
    if (line.trim() === '') return;
    const parsed = parseTestLine(line);
    if (parsed.kind === 'text') {
      const pkg = failedBuildLine(parsed.text);
      if (pkg !== undefined) this.unbuilt.add(pkg);
      return;
    }
    this.event(parsed.event);
  }

  private event(e: TestEvent): void {
    const time = e.Time === undefined ? undefined : Date.parse(e.Time);
    if (time !== undefined && Number.isFinite(time)) this.lastTime = time;
    if (e.Action === 'build-output' || e.Action === 'build-fail') {
      const pkg = packageOfImportPath(e.ImportPath ?? '');
      if (e.Action === 'build-fail') this.failedCompiles.add(pkg);
      else if (e.Output !== undefined && !e.Output.startsWith('# ')) pushCapped(listOf(this.buildEventOutput, pkg), chomp(e.Output));
      return;
    }
    const pkg = e.Package ?? '';
    if (e.Action === 'output' && e.Output !== undefined) {
      const timeout = GO_TIMEOUT.exec(e.Output);
      if (timeout) {
        this.goTimeout = timeout[1];
        this.timedOutPackages.add(pkg);
      }
    }
    if (e.Test === undefined) this.packageEvent(pkg, e);
    else this.testEvent(pkg, e.Test, e, time);
  }

  private packageEvent(pkg: string, e: TestEvent): void {
    if (e.Action === 'output' && e.Output !== undefined) pushCapped(listOf(this.packageOutput, pkg), chomp(e.Output));
    if (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip') {
      this.packageStatus.set(pkg, e.Action);
      if (e.FailedBuild !== undefined) {
        this.unbuilt.add(pkg);
        this.failedCompiles.add(packageOfImportPath(e.FailedBuild));
      }
    }
  }

  private testEvent(pkg: string, name: string, e: TestEvent, time: number | undefined): void {
    const key = `${pkg}\0${name}`;
    let t = this.tests.get(key);
    if (t === undefined) {
      t = { name, package: pkg, elapsed: 0, output: [] };
      this.tests.set(key, t);
    }
    if (e.Action === 'run' && time !== undefined) t.startedAt = time;
    if (e.Action === 'output' && e.Output !== undefined && !FRAMING.test(e.Output)) pushCapped(t.output, chomp(e.Output));
    if (e.Action === 'pass' || e.Action === 'fail' || e.Action === 'skip') {
      // Go 1.19's test2json trusts text: a test that prints `--- PASS: TestX` gets a pass event
      // before its real fail. A fail is never taken back.
      if (t.status !== 'fail') t.status = e.Action;
      t.elapsed = e.Elapsed ?? t.elapsed;
    }
  }

  /** The student's result once the run has ended; `stderr` carries Go 1.19's compiler output. */
  finish(input: { id: string; stderr: string; end: RunEnd; expected?: readonly ExpectedTest[] }): StudentResult {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
    const { end } = input;
    const buildFailures = this.buildFailures(input.stderr);
    const tests = gradedTests(this.finishedTests(end));
    for (const t of missingExpected(input.expected ?? [], tests)) {
      const unbuilt = this.unbuilt.has(t.package) || (t.package === '' && this.unbuilt.size > 0);
      const timedOut = this.goTimeout !== undefined;
      const { status, note } = unbuilt
        ? { status: 'fail' as const, note: 'build failed' }
        : end.reason === 'exited' && !timedOut
          ? { status: 'fail' as const, note: 'did not run' }
          : unfinishedStatus(end, timedOut);
      tests.push({ ...t, status, elapsed: 0, output: note });
    }
    const packageFailures = this.packageFailures(tests);
    const forced = forcedEnd(end, this.goTimeout);
    let status: StudentStatus;
    let message = forced?.message;
    if (forced) status = forced.status;
    else if (buildFailures.length > 0 || this.unbuilt.size > 0) status = 'build-failed';
    else if (tests.some((t) => t.status === 'fail') || packageFailures.length > 0) status = 'tests-failed';
    else if (end.exitCode !== 0) {
      status = 'error';
      message = end.message ?? firstLine(input.stderr) ?? `go test exited with status ${end.exitCode}`;
    } else status = 'ok';
    return {
      id: input.id,
      status,
      ...(message === undefined ? {} : { message }),
      tests,
      buildFailures,
      packageFailures,
      durationMs: end.durationMs,
      ...(end.peakMemoryBytes === undefined ? {} : { peakMemoryBytes: end.peakMemoryBytes }),
      exitCode: end.exitCode,
    };
  }

  private finishedTests(end: RunEnd): TestResult[] {
    return [...this.tests.values()].map((t) => {
      if (t.status !== undefined) return { name: t.name, package: t.package, status: t.status, elapsed: t.elapsed, output: capOutput(t.output) };
      const timedOut = this.timedOutPackages.has(t.package);
      const { status, note } = unfinishedStatus(end, timedOut);
      const crashed = !timedOut && end.reason === 'exited';
      // A crash's panic is in the test's own output; a limit's note says what ended it.
      const output = crashed ? capOutput(t.output) : capOutput([note, ...t.output.slice(0, 20)]);
      const elapsed = t.startedAt !== undefined && this.lastTime !== undefined ? Math.max(0, (this.lastTime - t.startedAt) / 1000) : 0;
      return { name: t.name, package: t.package, status, elapsed, output };
    });
  }

  private buildFailures(stderr: string): BuildFailure[] {
    const fromStderr = buildOutputByPackage(stderr);
    const failed = new Set([...this.failedCompiles, ...this.buildEventOutput.keys()]);
    // Go 1.19 names only the test package on stdout; its stderr names the package that did not compile.
    if (this.unbuilt.size > 0) for (const pkg of fromStderr.keys()) if (pkg !== '') failed.add(pkg);
    if (failed.size === 0) for (const pkg of this.unbuilt) failed.add(pkg);
    return [...failed].sort().map((pkg) => ({
      package: pkg,
      lines: firstBuildLines(this.buildEventOutput.get(pkg) ?? fromStderr.get(pkg) ?? []),
    }));
  }

  private packageFailures(tests: readonly TestResult[]): PackageFailure[] {
    const failures: PackageFailure[] = [];
    for (const [pkg, status] of this.packageStatus) {
      if (status !== 'fail' || this.unbuilt.has(pkg)) continue;
      if (tests.some((t) => t.package === pkg && (t.status === 'fail' || t.status === 'timeout'))) continue;
      const lines = (this.packageOutput.get(pkg) ?? []).filter((l) => !/^(FAIL|ok|PASS)\b/.test(l));
      failures.push({ package: pkg, output: capOutput(trimBlank(lines)) });
    }
    return failures;
  }
}

/** One student's result from the whole of a finished run's output. */
export function studentResult(input: {
  id: string;
  stdout: string;
  stderr: string;
  end: RunEnd;
  expected?: readonly ExpectedTest[];
}): StudentResult {
  const collector = new TestEventCollector();
  collector.write(input.stdout);
  return collector.finish(input);
}

function listOf(map: Map<string, string[]>, key: string): string[] {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  return list;
}

/** Keeps one line past the cap, so capOutput still knows to say the output was cut. */
function pushCapped(list: string[], line: string): void {
  if (list.length <= MAX_OUTPUT_LINES) list.push(line.length > MAX_OUTPUT_CHARS ? line.slice(0, MAX_OUTPUT_CHARS + 1) : line);
}

function chomp(s: string): string {
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

function trimBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  return lines.slice(0, end);
}

function firstLine(text: string): string | undefined {
  return text.split('\n').find((l) => l.trim() !== '')?.trim();
}
