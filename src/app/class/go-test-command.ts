import { UsageError } from '../../common/errors.js';

/** The teacher's `go test ...` split the way the grading sandbox runs it (sandbox/grading-spec.ts). */
export interface GoTestCommand {
  packages: string[];
  buildFlags: string[];
  /** In the test binary's own form: `-run X` becomes `-test.run=X`. */
  testFlags: string[];
}

/** Flags of the test binary that take a value, and those that do not. */
const TEST_VALUE_FLAGS = new Set(['run', 'skip', 'timeout', 'bench', 'benchtime', 'cpu', 'parallel', 'shuffle', 'count']);
const TEST_BOOL_FLAGS = new Set(['short', 'failfast', 'v', 'benchmem']);
/** Build flags that change what is compiled, passed to `go test -c`. */
const BUILD_VALUE_FLAGS = new Set(['tags', 'ldflags', 'gcflags', 'covermode', 'coverpkg']);
const BUILD_BOOL_FLAGS = new Set(['race', 'cover', 'trimpath']);
/** Set by the grading itself: -count=1 always, -json always, -v always. */
const FIXED = new Set(['json', 'count', 'v', 'c', 'o', 'exec', 'toolexec', 'mod', 'modfile', 'overlay', 'work', 'C']);

/**
 * Parses `go test [flags] [packages]` as a class run takes it. Anything that would change how
 * grading works (-json, -count, -exec, -o, -mod) or that the sandbox cannot honour is refused with
 * one line, so every student is graded the same, documented way.
 */
export function parseGoTestCommand(argv: readonly string[]): GoTestCommand {
  if (argv[0] !== 'go' || argv[1] !== 'test') {
    throw new UsageError(`a class run grades with go test, not: ${argv.join(' ') || '(nothing)'}`, { hint: 'e.g. gobox class run go101 -- go test ./...' });
  }
  const out: GoTestCommand = { packages: [], buildFlags: [], testFlags: [] };
  const rest = argv.slice(2);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('-')) {
      out.packages.push(arg);
      continue;
    }
    const m = /^--?([A-Za-z][A-Za-z0-9.]*)(?:=([\s\S]*))?$/.exec(arg);
    if (!m) throw new UsageError(`go test flag not understood: ${arg}`);
    const name = m[1]!.replace(/^test\./, '');
    const takeValue = (): string => {
      if (m[2] !== undefined) return m[2];
      const next = rest[++i];
      if (next === undefined) throw new UsageError(`go test flag -${name} needs a value`);
      return next;
    };
    if (FIXED.has(name)) {
      throw new UsageError(`go test -${name} is set by the class run itself and cannot be given`, { hint: 'a class run always uses -json and -count=1 and builds each package once' });
    }
    if (TEST_VALUE_FLAGS.has(name)) out.testFlags.push(`-test.${name}=${takeValue()}`);
    else if (TEST_BOOL_FLAGS.has(name)) out.testFlags.push(`-test.${name}${m[2] === undefined ? '' : `=${m[2]}`}`);
    else if (BUILD_VALUE_FLAGS.has(name)) out.buildFlags.push(`-${name}=${takeValue()}`);
    else if (BUILD_BOOL_FLAGS.has(name)) out.buildFlags.push(`-${name}${m[2] === undefined ? '' : `=${m[2]}`}`);
    else throw new UsageError(`go test flag -${name} is not supported in a class run`, { hint: 'supported: -run -skip -timeout -short -failfast -parallel -cpu -shuffle -bench -benchtime -benchmem -race -cover -tags -ldflags -gcflags' });
  }
  for (const p of out.packages) {
    if (!/^(\.{1,2}(\/|$)|[A-Za-z0-9])/.test(p) || p.includes('\n')) throw new UsageError(`not a package pattern: ${p}`);
  }
  if (out.packages.length === 0) out.packages.push('./...');
  return out;
}
