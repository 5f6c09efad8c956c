import { LABEL } from '../common/labels.js';
import { buildSandboxSpec, type SandboxInputs } from './spec.js';
import { SANDBOX_PATHS } from './env.js';
import type { SandboxSpec } from './types.js';

/** What a class's grading run adds to a student's sandbox (app/class/grade-student.ts gathers it). */
export interface GradingInputs {
  className: string;
  runId: string;
  studentId: string;
  /** Package patterns of the teacher's `go test` (e.g. `./...`). */
  packages: string[];
  /** Flags for building the test binaries (`-race`, `-tags=x`). */
  buildFlags: string[];
  /** Flags for the test binaries, already in their `-test.` form (`-test.run=TestAdd`). */
  testFlags: string[];
  /**
   * The teacher's files, relative to the module root, that arrive as a tar on stdin. The `.go`
   * ones among them are deleted after the test binaries are built and before any of them runs.
   */
  hiddenFiles: string[];
  /** The same for every student, so no one's tests see more parallelism than another's. */
  gomaxprocs: number;
  /** Host dir of gobox's own compiled standard library for this toolchain (warm-cache spec below), mounted read-only. */
  warmCache?: string;
}

/** Where the warm standard-library cache is mounted in a grading sandbox. */
export const WARM_CACHE_MOUNT = '/gobox/grade-warm';

/** The toolchain's test2json, kept in the warm cache's top dir (where Go's own cache keeps no entries). */
const TEST2JSON_FILE = 'gobox-test2json';

/**
 * The grading steps' exit status when the kernel's OOM killer took a process of the sandbox (a test
 * binary) while the steps themselves went on: Docker reports OOMKilled only for the container's
 * own process, so the cgroup's own counter is read inside.
 */
export const GRADING_OOM_EXIT = 86;

/** The last line of a grading run's stderr: `gobox-grade: peak-memory BYTES oom-kills N`. */
export const GRADING_SUMMARY_RE = /^gobox-grade: peak-memory (\d+|unknown) oom-kills (\d+)$/m;

/** Where the grading copy lives inside the sandbox: the /tmp tmpfs, gone with the sandbox. */
export const GRADING_DIR = `${SANDBOX_PATHS.tmp}/gobox-grade`;

/**
 * The grading steps, run as the student inside their sandbox. Each step exists for a reason:
 * - the submission is copied onto tmpfs as the student (their permissions hold, symlinks stay
 *   symlinks and point nowhere useful), so nothing is ever written to the student's directory;
 * - the teacher's files are unpacked over the copy, replacing any student file of the same name;
 * - a fresh GOCACHE on tmpfs, seeded with gobox's own compiled standard library (never with the
 *   student's cache, whose entries the student could forge): no cached pass, nothing compiled
 *   from hidden tests lands in the student's own cache, every student the same compile work;
 * - all test binaries are built first, then the hidden sources are deleted, then the binaries
 *   run: a student's test that opens the teacher's test file finds nothing;
 * - each binary runs under test2json, as `go test -json` would, from its package's directory.
 * A package that does not build is told the way Go 1.19's go test tells it on stdout. At the end,
 * the cgroup's peak memory and OOM kill count are told on stderr (GRADING_SUMMARY_RE).
 */
export const GRADING_SCRIPT = `set -u
W=${GRADING_DIR}
nl='
'
mkdir -p "$W/src" "$W/bin" "$W/cache" || exit 125
export GOCACHE="$W/cache" GOFLAGS=-mod=readonly
# Links, not copies: the entries stay read-only (and cost nothing); new ones go to tmpfs.
if [ -d ${WARM_CACHE_MOUNT} ]; then cp -Rs ${WARM_CACHE_MOUNT}/. "$W/cache/" || exit 125; fi
cp -RP --preserve=mode,timestamps "$GOBOX_GRADE_SUBMISSION/." "$W/src/" || echo "gobox-grade: some files of the submission could not be copied" >&2
chmod -R u+w "$W/src"
set -f
IFS="$nl"
if [ -n "$GOBOX_GRADE_HIDDEN" ]; then
  for f in $GOBOX_GRADE_HIDDEN; do rm -rf "$W/src/$f"; done
  tar -x -o -C "$W/src" -f - || { echo "gobox-grade: the grading tests could not be unpacked" >&2; exit 125; }
fi
cd "$W/src" || exit 125
unset IFS
go list -e -f '{{.ImportPath}}	{{.Dir}}	{{len .TestGoFiles}}{{len .XTestGoFiles}}' "$@" > "$W/pkgs" || exit $?
IFS="$nl"
status=0
n=0
: > "$W/built"
while IFS='	' read -r pkg dir counts; do
  [ "$counts" = 00 ] && continue
  n=$((n + 1))
  if go test -c -o "$W/bin/$n.test" $GOBOX_GRADE_BUILD_FLAGS "$pkg"; then
    printf '%s\\t%s\\t%s\\n' "$pkg" "$dir" "$W/bin/$n.test" >> "$W/built"
  else
    printf 'FAIL\\t%s [build failed]\\n' "$pkg"
    status=1
  fi
done < "$W/pkgs"
for f in $GOBOX_GRADE_HIDDEN; do case "$f" in *.go) rm -f "$W/src/$f" ;; esac; done
case "$(head -n 1 ${SANDBOX_PATHS.goroot}/VERSION 2>/dev/null || go env GOVERSION)" in go1.1[0-9] | go1.1[0-9].* | go1.[0-9] | go1.[0-9].*) v=-test.v ;; *) v=-test.v=test2json ;; esac
t2j=go
[ -x ${WARM_CACHE_MOUNT}/${TEST2JSON_FILE} ] && t2j=${WARM_CACHE_MOUNT}/${TEST2JSON_FILE}
while IFS='	' read -r pkg dir bin; do
  # The command as words (IFS is a newline here); the packages in "$@" were listed above.
  if [ "$t2j" = go ]; then set -- go tool test2json; else set -- "$t2j"; fi
  (cd "$dir" && exec "$@" -t -p "$pkg" "$bin" "$v" -test.count=1 $GOBOX_GRADE_TEST_FLAGS) || status=1
  rm -f "$bin"
done < "$W/built"
oom=0
for f in /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control; do
  if [ -r "$f" ]; then oom=$(sed -n 's/^oom_kill //p' "$f"); break; fi
done
peak=$(cat /sys/fs/cgroup/memory.peak 2>/dev/null || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null || echo unknown)
echo "gobox-grade: peak-memory \${peak:-unknown} oom-kills \${oom:-0}" >&2
[ "\${oom:-0}" -gt 0 ] 2>/dev/null && exit ${GRADING_OOM_EXIT}
exit $status
`;

/** No newline may hide in one list item: the script splits its lists at newlines. */
function lines(items: readonly string[], what: string): string {
  for (const item of items) if (/[\n\0]/.test(item)) throw new RangeError(`${what} must not contain a newline: ${JSON.stringify(item)}`);
  return items.join('\n');
}

/**
 * A student's grading sandbox: the normal sandbox contract (spec.ts: as the student, limits,
 * their own cache volume, no capabilities) with their directory mounted read-only, the grading
 * steps as the command, and labels that say which class, run and student it is.
 */
export function buildGradingSpec(i: SandboxInputs, g: GradingInputs): SandboxSpec {
  const command = ['go', 'test', ...g.buildFlags, ...g.packages];
  const base = buildSandboxSpec({ ...i, project: { root: i.project.root, cwd: i.project.root, readOnly: true }, command, stdin: g.hiddenFiles.length > 0, tty: false });
  return {
    ...base,
    command: ['sh', '-c', GRADING_SCRIPT, 'gobox-grade', ...g.packages],
    env: {
      ...base.env,
      GOMAXPROCS: String(g.gomaxprocs),
      GOBOX_GRADE_SUBMISSION: i.project.root,
      GOBOX_GRADE_HIDDEN: lines(g.hiddenFiles, 'a hidden test path'),
      GOBOX_GRADE_BUILD_FLAGS: lines(g.buildFlags, 'a build flag'),
      GOBOX_GRADE_TEST_FLAGS: lines(g.testFlags, 'a test flag'),
    },
    mounts: g.warmCache ? [...base.mounts, { kind: 'bind', source: g.warmCache, target: WARM_CACHE_MOUNT, readonly: true }] : base.mounts,
    labels: { ...base.labels, [LABEL.className]: g.className, [LABEL.classRun]: g.runId, [LABEL.student]: g.studentId },
  };
}

/** Builds what every test binary needs from the standard library into GOCACHE=$project/cache. */
export const WARM_CACHE_SCRIPT = `set -eu
export GOCACHE="$GOBOX_WARM_DIR/cache" GOFLAGS=-mod=readonly
mkdir -p "$GOCACHE" /tmp/warm
cd /tmp/warm
printf 'module warm\\n' > go.mod
printf 'package warm\\n\\nimport (\\n\\t"fmt"\\n\\t"os"\\n\\t"sort"\\n\\t"strings"\\n\\t"testing"\\n)\\n\\nfunc TestWarm(t *testing.T) { fmt.Fprint(os.Stderr, strings.ToUpper(""), sort.IsSorted(sort.IntSlice(nil))) }\\n' > warm_test.go
go test -c -o /tmp/warm/warm.test .
# Since Go 1.24 test2json is built on first use and cached: built here, not once per student,
# and kept beside the cache entries so a package's run execs it without starting the go command.
go tool test2json -t < /dev/null > /dev/null
cp "$(go tool -n test2json)" "$GOCACHE/${TEST2JSON_FILE}"
`;

/**
 * gobox's own sandbox that compiles the standard library for grading, once per toolchain: as
 * nobody, offline, no cache volume and no student code, into a fresh host dir (the project mount).
 * Grading sandboxes copy it read-only, so one student's first run does not pay for compiling
 * `testing` and its dependencies, and no student can plant a forged entry in it.
 */
export function buildWarmCacheSpec(i: SandboxInputs): SandboxSpec {
  const base = buildSandboxSpec({ ...i, user: { uid: 65534, gid: 65534 }, command: ['sh', '-c', WARM_CACHE_SCRIPT], stdin: false, tty: false });
  return {
    ...base,
    env: { ...base.env, GOBOX_WARM_DIR: i.project.root },
    mounts: base.mounts.filter((m) => m.kind !== 'volume'),
    network: 'none',
  };
}
