import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { UsageError } from '../../common/errors.js';
import { packDirectory } from '../../common/tar.js';
import type { ExpectedTest } from './test-tree.js';

/** The teacher's grading files: what goes into every grading sandbox, and the tests they define. */
export interface HiddenTests {
  dir: string;
  /** Relative to `dir` (and to each student's module root), sorted. */
  files: string[];
  /** Every top-level Test function of the `_test.go` files: each student is graded on all of them. */
  expected: ExpectedTest[];
}

const TEST_FUNC = /^func\s+(Test(?:[^a-z]\w*)?)\s*\(\s*\w+\s+\*testing\.T\s*\)/gm;
const MAX_FILES = 1000;

/**
 * Reads the tests dir once, before any student runs: a dir without a single `_test.go` file, a
 * symlink (it could point at anything on the host) or a special file is refused with one line.
 */
export async function readHiddenTests(dir: string): Promise<HiddenTests> {
  const root = path.resolve(dir);
  const stat = await fs.lstat(root).catch(() => undefined);
  if (!stat?.isDirectory()) throw new UsageError(`--tests ${dir}: not a directory`, { hint: 'give the directory that holds the grading _test.go files, laid out like the students\' modules' });
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
      const name = path.posix.join(rel, e.name);
      if (e.isDirectory()) await walk(name);
      else if (e.isFile()) files.push(name);
      else throw new UsageError(`--tests ${dir}: ${name} is ${e.isSymbolicLink() ? 'a symlink' : 'not a regular file'}; grading tests must be plain files`);
      if (files.length > MAX_FILES) throw new UsageError(`--tests ${dir}: more than ${MAX_FILES} files`);
    }
  };
  await walk('');
  files.sort();
  for (const f of files) if (/[\n\0]/.test(f)) throw new UsageError(`--tests ${dir}: a file name with a newline: ${JSON.stringify(f)}`);
  const testFiles = files.filter((f) => f.endsWith('_test.go'));
  if (testFiles.length === 0) throw new UsageError(`--tests ${dir}: no _test.go files`, { hint: 'the tests dir holds the teacher\'s _test.go files, at the paths of the packages they test' });
  const expected: ExpectedTest[] = [];
  for (const f of testFiles) {
    const text = await fs.readFile(path.join(root, f), 'utf8');
    for (const m of text.matchAll(TEST_FUNC)) expected.push({ name: m[1]! });
  }
  return { dir: root, files, expected };
}

/** The files as one tar stream, for the grading sandbox's stdin: nothing is mounted from the teacher. */
export function hiddenTestsTar(h: HiddenTests): Readable {
  return packDirectory(h.dir, {
    entries: h.files,
    // Readable to the student's uid inside the sandbox, whatever the teacher's umask was.
    map: (header) => ({ ...header, uid: 0, gid: 0, uname: '', gname: '', mode: header.type === 'directory' ? 0o755 : 0o644 }),
  });
}
