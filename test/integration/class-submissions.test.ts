import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORRECT_ADD, GO_MOD, removeClass, roster, uniqueClass } from '../helpers/class.js';
import { GOBOX, gobox } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { runInTty } from '../helpers/tty.js';

/**
 * Submissions without a unix account (a dir the teacher holds, graded as the class's
 * --grading-uid), and the live progress a teacher sees on a terminal.
 */
const CLASS = uniqueClass('sub');
const GRADER = { uid: 23859, gid: 23859 };

/** A submission dir the teacher (root) holds, readable by all, as an upload area would be. */
function submission(root: string, id: string, files: Record<string, string>): string {
  const dir = path.join(root, id);
  mkdirSync(dir);
  for (const [file, text] of Object.entries({ 'go.mod': GO_MOD, 'add.go': CORRECT_ADD, ...files })) writeFileSync(path.join(dir, file), text);
  chmodSync(dir, 0o755);
  return dir;
}

const whoTest = (own: string, peer: string) => `package hw1

import (
	"os"
	"testing"
)

func TestRunsAsTheGradingUid(t *testing.T) {
	if os.Getuid() != ${GRADER.uid} || os.Getgid() != ${GRADER.gid} {
		t.Fatalf("uid %d gid %d", os.Getuid(), os.Getgid())
	}
}

func TestCannotReadAnotherSubmission(t *testing.T) {
	if _, err := os.ReadFile(${JSON.stringify(peer)}); err == nil {
		t.Fatal("read another submission")
	}
}

func TestCannotWriteItsOwnUpload(t *testing.T) {
	if err := os.WriteFile(${JSON.stringify(own + '/planted.txt')}, nil, 0o644); err == nil {
		t.Fatal("wrote into the upload it was graded from")
	}
}
`;

afterAll(() => removeClass(CLASS));

describe('submissions without an account', () => {
  it('are graded as the grading uid, each seeing only its own dir, with live progress on a terminal', async () => {
    const uploads = mkdtempSync('/tmp/gobox-it-uploads-');
    chmodSync(uploads, 0o755);
    const bDir = path.join(uploads, 'b');
    const a = submission(uploads, 'a', { 'who_test.go': whoTest(path.join(uploads, 'a'), path.join(bDir, 'add.go')) });
    const b = submission(uploads, 'b', { 'add_test.go': 'package hw1\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) { if Add(1, 1) != 2 { t.Fatal("1+1") } }\n' });
    const file = roster([['a', '', a], ['b', '', b]]);
    expect((await gobox(['class', 'init', CLASS, '--roster', file, '--jobs', '2', '--grading-uid', `${GRADER.uid}:${GRADER.gid}`], { cwd: '/' })).code).toBe(0);

    // On a sized terminal (and not in CI's plain-line mode) the teacher sees the spinner's live line.
    const env = { PATH: process.env.PATH, HOME: '/root', TERM: 'xterm', GOBOX_STATE_DIR: shared.stateDir, GOBOX_AGENT: 'off' };
    const tty = await runInTty(`stty cols 120 rows 40; exec ${process.execPath} ${GOBOX} class run ${CLASS} -- go test ./...`, '/', env);
    // eslint-disable-next-line no-control-regex
    const screen = tty.screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(tty.code, screen).toBe(0);
    expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Grading: \d graded, \d running/);
    expect(screen).toMatch(/gobox: a: ok in /);
    expect(screen).toMatch(/✔ graded 2 student\(s\) of class/);

    const doc = JSON.parse((await gobox(['class', 'results', CLASS, '--json'], { cwd: '/' })).stdout) as { students: { id: string; status: string; passed: number; failed: number }[] };
    expect(doc.students.map((s) => [s.id, s.status, s.passed, s.failed])).toEqual([['a', 'ok', 3, 0], ['b', 'ok', 1, 0]]);
    // Graded from a copy: the uploads are as the teacher left them.
    expect(execFileSync('find', [uploads, '-newer', file], { encoding: 'utf8' }).trim()).toBe('');
  }, 600_000);
});
