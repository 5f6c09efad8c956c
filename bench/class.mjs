#!/usr/bin/env node
// `npm run bench` (second part): a class run of 30 generated students against the same 30 go
// tests done one after another with `gobox run`, and against a hand-written loop of `docker run`
// with the classroom profile's limits. Also each student's time within the class run (p50, p95)
// against a single student graded on a quiet machine. Not a test: prints a report, exits 0 even
// when a target is missed, exits 1 when a variant fails to run.
//
//   BENCH_STUDENTS=30   students in the class
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchError, intEnv, run, timed } from './lib/proc.mjs';
import { CLI, gobox, log, setup } from './lib/setup.mjs';
import { fmtMs, fmtRatio, median, table } from './lib/stats.mjs';

const STUDENTS = intEnv('BENCH_STUDENTS', 30);
process.env.GOBOX_BENCH_USER ||= 'gobox-bench-class';
const JOBS = os.availableParallelism();

const ADD = 'package calc\n\nfunc Add(a, b int) int { return a + b }\n\nfunc Sub(a, b int) int { return a - b }\n';
const TESTS = 'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) { if Add(2, 3) != 5 { t.Fatal() } }\nfunc TestSub(t *testing.T) { if Sub(5, 3) != 2 { t.Fatal() } }\nfunc TestBoth(t *testing.T) { if Sub(Add(1, 2), 3) != 0 { t.Fatal() } }\n';

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/**
 * One student's module, owned by the bench user. The roster gives each account to one student
 * only, so the generated students are submissions without an account, graded as the bench user
 * (--grading-uid): one uid, one cache to warm for the gobox run loop.
 */
function student(s, i) {
  const dir = path.join(s.work, 'class', `st${String(i).padStart(2, '0')}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'go.mod'), `module example.com/st${i}\n\ngo ${s.toolchain.version}\n`);
  // Each student's code differs (as real students' does), so no variant compiles it once for all.
  writeFileSync(path.join(dir, 'calc.go'), `${ADD}\n// Student is who wrote this copy.\nconst Student = ${i}\n`);
  writeFileSync(path.join(dir, 'calc_test.go'), TESTS);
  for (const p of [dir, ...['go.mod', 'calc.go', 'calc_test.go'].map((f) => path.join(dir, f))]) chownSync(p, s.user.uid, s.user.gid);
  return dir;
}

function classOf(s, name, dirs) {
  const roster = path.join(s.work, `${name}.csv`);
  writeFileSync(roster, ['id,user,name,email,dir', ...dirs.map((d, i) => `st${i},,Student ${i},,${d}`)].join('\n') + '\n');
  gobox(['class', 'init', name, '--roster', roster, '--jobs', String(JOBS), '--timeout', '5m', '--grading-uid', `${s.user.uid}:${s.user.gid}`], { env: s.env, cwd: s.work });
}

function gradeClass(s, name) {
  const ms = timed([process.execPath, CLI, 'class', 'run', name, '--', 'go', 'test', './...'], { env: s.env, cwd: s.work });
  const doc = JSON.parse(gobox(['class', 'results', name, '--json'], { env: s.env, cwd: s.work }).stdout);
  const bad = doc.students.filter((x) => x.status !== 'ok');
  if (bad.length) throw new BenchError(`class ${name}: ${bad.length} student(s) not ok, e.g. ${bad[0].id}: ${bad[0].status} ${bad[0].message ?? ''}`);
  return { ms, perStudent: doc.students.map((x) => x.durationMs) };
}

async function main() {
  const s = setup();
  try {
    mkdirSync(path.join(s.work, 'class'), { recursive: true });
    const dirs = Array.from({ length: STUDENTS }, (_, i) => student(s, i));
    const tag = `${process.pid}`;
    log(`${STUDENTS} students, --jobs ${JOBS}, ${s.toolchain.name}, profile classroom`);

    // Untimed first: the grading sandboxes' standard library (once per toolchain), the bench
    // user's cache for gobox run, and the docker loop's build cache.
    classOf(s, `bench-one-${tag}`, [dirs[0]]);
    gradeClass(s, `bench-one-${tag}`);
    const goboxTest = (dir) => [process.execPath, CLI, '-p', 'classroom', 'run', 'go', 'test', '-count=1', '-json', './...'];
    run(goboxTest(dirs[0]), { env: s.env, cwd: dirs[0] });
    const vol = `gobox-bench-class-${tag}`;
    run(['docker', 'volume', 'create', vol]);
    run(['docker', 'run', '--rm', '-v', `${vol}:/cache`, s.image, 'chown', `${s.user.uid}:${s.user.gid}`, '/cache']);
    const goroot = s.described.toolchain.path;
    const dockerTest = (dir) => [
      'docker', 'run', '--rm', '--network', 'none', '--user', `${s.user.uid}:${s.user.gid}`, '--memory', '1g', '--memory-swap', '1g', '--cpus', '1',
      '--pids-limit', '256', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--tmpfs', '/tmp:rw,exec,size=512m',
      '-v', `${goroot}:/usr/local/go:ro`, '-v', `${dir}:/src:ro`, '-v', `${vol}:/cache`, '-e', 'GOCACHE=/cache/build', '-e', 'GOFLAGS=-mod=readonly',
      '-e', 'HOME=/tmp', '-e', 'PATH=/usr/local/go/bin:/usr/bin:/bin', '-e', 'GOMAXPROCS=1', s.image,
      'sh', '-c', 'cp -R /src /tmp/w && cd /tmp/w && go test -count=1 -json ./... >/dev/null',
    ];
    run(dockerTest(dirs[0]));

    // A single student on a quiet machine: the reference for a student's time in the class run.
    const single = [1, 2, 3].map(() => gradeClass(s, `bench-one-${tag}`).perStudent[0]);

    log('class run');
    classOf(s, `bench-all-${tag}`, dirs);
    const cls = gradeClass(s, `bench-all-${tag}`);
    log('the same tests one after another with gobox run');
    const seq = dirs.reduce((sum, d) => sum + timed(goboxTest(d), { env: s.env, cwd: d }), 0);
    log('the same tests in a hand-written docker run loop');
    const loop = dirs.reduce((sum, d) => sum + timed(dockerTest(d)), 0);
    run(['docker', 'volume', 'rm', '-f', vol], { allowFail: true });

    const p50 = percentile(cls.perStudent, 50);
    const p95 = percentile(cls.perStudent, 95);
    console.log(`\nClass run: ${STUDENTS} students, --jobs ${JOBS}, on ${os.cpus().length} CPUs (load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})\n`);
    console.log(table(['variant', 'wall', 'vs docker loop'], [
      ['gobox class run', fmtMs(cls.ms), fmtRatio(cls.ms / loop)],
      [`gobox run x${STUDENTS}, one after another`, fmtMs(seq), fmtRatio(seq / loop)],
      [`docker run x${STUDENTS}, one after another`, fmtMs(loop), fmtRatio(1)],
    ], new Set([1, 2])));
    const quiet = median(single);
    console.log(`\nA student's time within the class run: p50 ${fmtMs(p50)}, p95 ${fmtMs(p95)}; a single student on a quiet machine: ${fmtMs(quiet)} (median of 3)`);
    console.log(`Targets: class run at least as fast as the docker loop: ${cls.ms <= loop ? 'met' : 'MISSED'} (${fmtRatio(cls.ms / loop)}); p95 within 2x a single run: ${p95 <= 2 * quiet ? 'met' : 'MISSED'} (${fmtRatio(p95 / quiet)})`);
    for (const n of [`bench-one-${tag}`, `bench-all-${tag}`]) run(['rm', '-rf', path.join(s.store.stateDir, 'classes', n)], { allowFail: true });
  } finally {
    s.cleanup();
  }
}

main().catch((e) => {
  console.error(e instanceof BenchError ? `bench: ${e.message}` : e);
  process.exit(1);
});
