import { UsageError } from '../../common/errors.js';

/** go build flags that take a value; written apart ("-tags x") the next word is that value. */
const VALUE_FLAGS = new Set([
  'asmflags', 'buildmode', 'compiler', 'gccgoflags', 'gcflags', 'installsuffix', 'ldflags', 'mod', 'modfile',
  'overlay', 'pgo', 'pkgdir', 'tags', 'toolexec', 'o', 'p', 'C', 'covermode', 'coverpkg',
]);
/** Boolean flags with no value of their own (their "=false" form is checked below). */
const BOOL_FLAGS = new Set(['a', 'n', 'race', 'msan', 'asan', 'v', 'work', 'x', 'trimpath', 'linkshared', 'cover', 'buildvcs']);

/**
 * What a jail build refuses, and why: each would let the build depend on something the
 * provenance cannot name, or put outputs where gobox does not look.
 */
const REFUSED: Record<string, string> = {
  toolexec: 'runs a program of the caller\'s around every tool',
  o: 'would put outputs where gobox does not look (use gobox jail build -o DIR)',
  modfile: 'the build reads the module\'s own go.mod',
  overlay: 'replaces source files with files outside the source tree',
  pkgdir: 'reads packages from outside the jail',
  C: 'changes the directory the build runs in',
  linkshared: 'links against shared libraries outside the jail',
  race: 'needs cgo, which the jail turns off',
  msan: 'needs cgo, which the jail turns off',
  asan: 'needs cgo, which the jail turns off',
};

export interface BuildArgs {
  /** Each flag as one word, "-name=value" or "-name". */
  flags: string[];
  packages: string[];
}

/** Splits `gobox jail build -- FLAGS PACKAGES` and refuses flags that would loosen the jail. */
export function parseBuildArgs(words: string[]): BuildArgs {
  const flags: string[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (!w.startsWith('-') || w === '-') break;
    const body = w.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    let value = eq < 0 ? undefined : body.slice(eq + 1);
    if (!VALUE_FLAGS.has(name) && !BOOL_FLAGS.has(name)) {
      throw new UsageError(`go build flag -${name} is not one a jail build knows`, { hint: 'see: go help build' });
    }
    if (value === undefined && VALUE_FLAGS.has(name) && !BOOL_FLAGS.has(name)) {
      value = words[++i];
      if (value === undefined) throw new UsageError(`go build flag -${name} needs a value`);
    }
    checkFlag(name, value);
    flags.push(value === undefined ? `-${name}` : `-${name}=${value}`);
  }
  const packages = words.slice(i);
  for (const p of packages) {
    if (p.startsWith('-')) throw new UsageError(`${p}: flags come before the packages`, { hint: 'example: gobox jail build -- -ldflags=-s ./cmd/app' });
  }
  return { flags, packages: packages.length ? packages : ['.'] };
}

function checkFlag(name: string, value: string | undefined): void {
  const why = REFUSED[name];
  if (why) throw new UsageError(`go build flag -${name} is refused in a jail build: it ${why}`);
  if (name === 'mod' && value !== 'readonly' && value !== 'vendor') {
    throw new UsageError(`go build flag -mod=${value ?? ''} is refused in a jail build: modules come only from go.sum (-mod=readonly)`);
  }
  if (name === 'trimpath' && value !== undefined && value !== 'true') {
    throw new UsageError(`go build flag -trimpath=${value} is refused in a jail build: paths of the build host never enter a release binary`);
  }
  if (name === 'buildvcs' && value !== undefined) {
    throw new UsageError(`go build flag -buildvcs=${value} is refused in a jail build: Go decides VCS stamping from the source, and provenance records it`);
  }
}

/** Environment words that would smuggle a flag in (GOFLAGS is refused whole). */
const SMUGGLED = ['-toolexec', '-ldflags', '-gcflags', '-asmflags', '-overlay', '-modfile'];

/**
 * The caller's environment never reaches a jail (sandbox/jail-spec.ts fixes it); settings that
 * would loosen it are refused rather than dropped, so nobody believes they took effect.
 */
export function checkJailEnv(env: NodeJS.ProcessEnv): void {
  const refuse = (key: string, why: string) => {
    throw new UsageError(`${key} from the environment is refused in a jail build: ${why}`, { hint: `unset ${key}; pass go build flags after --` });
  };
  if (env.GOFLAGS?.trim()) refuse('GOFLAGS', 'the jail sets GOFLAGS=-mod=readonly -trimpath itself');
  for (const [key, value] of Object.entries(env)) {
    if (!/^(GO|CGO_)/.test(key) || value === undefined) continue;
    const flag = SMUGGLED.find((f) => value.includes(f));
    if (flag) refuse(key, `it carries ${flag}`);
  }
  if (env.CGO_ENABLED !== undefined && env.CGO_ENABLED !== '0') refuse('CGO_ENABLED', 'the profile decides cgo (a jail builds with CGO_ENABLED=0 unless its profile pins a C toolchain, cToolchain)');
  if (env.GOTOOLCHAIN !== undefined && env.GOTOOLCHAIN !== '' && env.GOTOOLCHAIN !== 'local') refuse('GOTOOLCHAIN', 'a jail builds with GOTOOLCHAIN=local (choose the toolchain with --go)');
  for (const key of ['GOEXPERIMENT', 'GOAMD64', 'GOARM64', 'GOOS', 'GOARCH']) {
    if (env[key]) refuse(key, 'it would change the binary without the provenance recording it');
  }
}

/** The caller's environment with the Go settings taken out: a jail's own replace them all. */
export function withoutGoSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^(GO[A-Z0-9_]*|CGO_[A-Z_]+|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/.test(k) || k === 'GOBOX_STATE_DIR' || k.startsWith('GOBOX_')));
}
