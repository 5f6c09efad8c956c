import { Writable } from 'node:stream';
import { errorMessage } from '../../common/errors.js';
import { logger } from '../../common/logger.js';
import type { Progress } from '../../common/progress.js';
import { parseDuration, parseSize } from '../../common/units.js';
import type { NetworkMode } from '../../config/schema.js';
import { buildGradingSpec, GRADING_OOM_EXIT, GRADING_SUMMARY_RE } from '../../sandbox/grading-spec.js';
import { withActiveRun } from '../cache/volume.js';
import { applyProxyModeEnv } from '../network/proxy-env.js';
import { executeSandbox, prepareRun, readyEngineFor, readyUserOn, type PreparedRun } from '../run/index.js';
import type { Engine } from '../../engine/index.js';
import { sandboxLoginName, writeIdentityFiles } from '../run/identity-files.js';
import type { GoTestCommand } from './go-test-command.js';
import { hiddenTestsTar, type HiddenTests } from './hidden-tests.js';
import type { StudentResult } from './result.js';
import type { Student } from './roster-checks.js';
import { TestEventCollector } from './test-events.js';
import { ungradedStudent } from './ungraded.js';

const log = logger('class');

/** What every student of one class run is graded with. */
export interface GradingPlan {
  className: string;
  runId: string;
  profile: string;
  command: GoTestCommand;
  hidden?: HiddenTests;
  /** Each student's wall clock, e.g. "2m". */
  timeout: string;
  network: NetworkMode;
  /** gobox's own settings for prepareRun (state dir, host config): never the teacher's Go settings. */
  env: NodeJS.ProcessEnv;
  progress: Progress;
  /** The engine, connected and checked for the class's profile by the first student's preparation. */
  engine?: Engine;
  /** gobox's compiled standard library for one toolchain (warm-cache.ts), for students graded with it. */
  warm?: { version: string; dir: string };
}

/**
 * Keeps the first bytes of a stream (the compiler's first lines are what a result shows) and its
 * last ones (where the grading steps' summary line is), however much a student prints between.
 */
class HeadAndTail extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private last = Buffer.alloc(0);
  constructor(private readonly max: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    if (this.size < this.max) this.chunks.push(chunk.subarray(0, this.max - this.size));
    this.size += chunk.length;
    this.last = Buffer.concat([this.last, chunk]).subarray(-4096);
    done();
  }
  head(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  tail(): string {
    return this.last.toString('utf8');
  }
}

/**
 * One student's grading run: a fresh sandbox as the student (or the class's grading uid), their
 * directory read-only, the teacher's tests on stdin, limits of the class's profile with the class's
 * wall clock, and `go test -json` folded into per-test results as it streams. Never throws: a
 * student who cannot be graded gets status `error` and one line, and the class goes on.
 */
/**
 * The student's run prepared and the engine ready for it (image, cache volume, network), with the
 * class's wall clock and network mode over the profile's. runClass calls it once with the
 * teacher's progress before the pool starts, so a first image build or toolchain import is shown.
 */
export async function readyForStudent(plan: GradingPlan, student: Student, progress: Progress): Promise<{ p: PreparedRun; engine: Engine; limits: PreparedRun['loaded']['profile']['limits'] }> {
  const p = await prepareRun({
    command: ['go', 'test'],
    cwd: student.realDir,
    profile: plan.profile,
    env: plan.env,
    tty: false,
    stdin: plan.hidden !== undefined,
    progress,
    sandboxUser: { uid: student.uid, gid: student.gid, projectReadOnly: true },
  });
  const limits = { ...p.loaded.profile.limits, timeout: plan.timeout };
  p.loaded = { ...p.loaded, profile: { ...p.loaded.profile, limits, network: plan.network } };
  p.inputs.profile = p.loaded.profile;
  if (plan.network === 'proxy') applyProxyModeEnv(p.goEnv, p.host, p.loaded.name);
  // The engine's own checks (runtime, image, limits) hold for the whole class: made once, by the first.
  const engine = plan.engine ?? (await readyEngineFor(p, progress));
  await readyUserOn(engine, p, progress);
  return { p, engine, limits };
}

export interface Graded {
  result: StudentResult;
  /** e.g. go1.26.8: go.mod picks each student's toolchain, and the run records which were used. */
  toolchain?: string;
}

export type ReadyStudent = Awaited<ReturnType<typeof readyForStudent>>;

/** `ready`: the student's run already prepared (runClass prepares its first student up front). */
export async function gradeStudent(plan: GradingPlan, student: Student, ready?: ReadyStudent): Promise<Graded> {
  const started = performance.now();
  try {
    const { p, engine, limits } = ready ?? (await readyForStudent(plan, student, plan.progress));
    const ids = await writeIdentityFiles(p.user, sandboxLoginName(p));
    try {
      const spec = buildGradingSpec(
        { ...p.inputs, identityFiles: ids },
        {
          className: plan.className,
          runId: plan.runId,
          studentId: student.id,
          ...plan.command,
          hiddenFiles: plan.hidden?.files ?? [],
          gomaxprocs: Math.max(1, Math.ceil(limits.cpus)),
          ...(plan.warm && plan.warm.version === p.toolchain.version ? { warmCache: plan.warm.dir } : {}),
        },
      );
      const collector = new TestEventCollector();
      const stdout = new Writable({ write: (chunk: Buffer, _e, done) => (collector.write(chunk.toString('utf8')), done()) });
      const stderr = new HeadAndTail(64 * 1024);
      const outputLimitBytes = parseSize(limits.output) ?? 0;
      const outcome = await withActiveRun(p.user, () =>
        executeSandbox(engine, spec, { stdout, stderr, ...(plan.hidden ? { stdin: hiddenTestsTar(plan.hidden) } : {}) }, {
          timeoutMs: parseDuration(plan.timeout) ?? 0,
          outputLimit: outputLimitBytes,
          memoryLimit: spec.limits.memoryBytes,
        }),
      );
      log.debug(`${student.id}: exit ${outcome.exitCode} (${outcome.reason}) in ${Math.round(outcome.durationMs)} ms`);
      const summary = GRADING_SUMMARY_RE.exec(stderr.tail());
      const oom = outcome.processOomKilled === true || (outcome.reason === 'exited' && outcome.exitCode === GRADING_OOM_EXIT);
      const peak = summary?.[1] === undefined || summary[1] === 'unknown' ? undefined : Number(summary[1]);
      const result = collector.finish({
        id: student.id,
        stderr: stderr.head(),
        expected: plan.hidden?.expected ?? [],
        end: {
          exitCode: outcome.exitCode,
          // The OOM killer took the test binary and the grading steps went on: still the memory limit.
          reason: oom ? 'oom' : outcome.reason,
          ...(peak === undefined ? {} : { peakMemoryBytes: peak }),
          durationMs: outcome.durationMs,
          memoryLimitBytes: spec.limits.memoryBytes,
          outputLimitBytes,
          ...(outcome.message ? { message: outcome.message } : {}),
        },
      });
      return { result, toolchain: `go${p.toolchain.version}` };
    } finally {
      await ids.dispose();
    }
  } catch (e) {
    return { result: ungradedStudent({ id: student.id, message: errorMessage(e).split('\n')[0]!, expected: plan.hidden?.expected ?? [], durationMs: performance.now() - started }) };
  }
}
