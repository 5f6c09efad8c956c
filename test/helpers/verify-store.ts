import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { gobox, makeModule, type GoboxResult } from './gobox.js';

/**
 * Stores of the verify tests' own: every test imports a small but real Go 1.19 GOROOT (bin/go,
 * VERSION and one source file, copied from Debian's) into a fresh GOBOX_STATE_DIR, so tampering
 * never touches the store other tests share, and no test sees what another one left.
 */
export const MINI_FROM = '/usr/lib/go-1.19';
export const MINI_VERSION = readFileSync(path.join(MINI_FROM, 'VERSION'), 'utf8').split('\n')[0]!.trim().replace(/^go/, '');

/** The sandbox user of these tests' runs: their own, so no other test's cache volume is touched. */
export const RUN_USER = { name: 'gobox-store-a', uid: 23800 };

function runUser(): { uid: number; gid: number } {
  try {
    execFileSync('id', ['-u', RUN_USER.name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--no-create-home', '--uid', String(RUN_USER.uid), '--user-group', '--shell', '/bin/sh', RUN_USER.name]);
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, RUN_USER.name], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * What a run in a test's own state dir leaves: the run user's cache volume (a hard cache, since
 * the tests run gobox as root) and its loop mount under that state dir. Removed after each such test.
 */
export function removeRunLeftovers(state: string): void {
  execFileSync('docker', ['volume', 'rm', '-f', `gobox-cache-${RUN_USER.uid}`], { stdio: 'ignore' });
  for (const m of mountsUnder(state)) execFileSync('umount', ['-l', m]);
}

/** A small but real Go 1.19 GOROOT at `dest`: bin/go, VERSION and one source file, copied from Debian's. */
export function makeMiniGoroot(dest: string): void {
  mkdirSync(path.join(dest, 'bin'), { recursive: true });
  mkdirSync(path.join(dest, 'src', 'fmt'), { recursive: true });
  copyFileSync(path.join(MINI_FROM, 'bin', 'go'), path.join(dest, 'bin', 'go'));
  copyFileSync(path.join(MINI_FROM, 'VERSION'), path.join(dest, 'VERSION'));
  copyFileSync(path.join(MINI_FROM, 'src', 'fmt', 'print.go'), path.join(dest, 'src', 'fmt', 'print.go'));
  // bin/go knows its GOROOT by the pkg/tool dir next to its bin (else it falls back to the path it was built for).
  mkdirSync(path.join(dest, 'pkg', 'tool', 'linux_amd64'), { recursive: true });
  writeFileSync(path.join(dest, 'pkg', 'tool', 'linux_amd64', 'README'), 'tools would be here\n');
}

export function useVerifyFixtures(): { src: () => string; newState: () => string; project: () => string } {
  let tmp = '';
  let project = '';
  let n = 0;
  beforeAll(() => {
    tmp = mkdtempSync('/tmp/gobox-it-verify-');
    // A test user imports from here into a store of their own.
    chmodSync(tmp, 0o755);
    makeMiniGoroot(path.join(tmp, 'goroot'));
    project = makeModule({ 'go.mod': 'module example.com/v\n\ngo 1.19\n' }, runUser());
  });
  afterAll(() => {
    execFileSync('docker', ['volume', 'rm', '-f', `gobox-cache-${RUN_USER.uid}`], { stdio: 'ignore' });
    for (const m of mountsUnder(tmp)) execFileSync('umount', ['-l', m]);
    rmSync(tmp, { recursive: true, force: true });
    rmSync(project, { recursive: true, force: true });
  });
  return {
    src: () => path.join(tmp, 'goroot'),
    newState: () => {
      const dir = path.join(tmp, `state-${++n}`);
      mkdirSync(dir, { mode: 0o755 });
      return dir;
    },
    project: () => project,
  };
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`)).reverse();
}

export function inState(state: string, args: string[], cwd = '/tmp'): Promise<GoboxResult> {
  return gobox(args, { cwd, env: { GOBOX_STATE_DIR: state } });
}

export interface VerifyJson {
  exitCode: number;
  toolchains: { name: string; status: string; digest?: string; findings: { class: string; kind: string; path: string; detail: string }[]; repaired?: string; recorded?: string; actionError?: string }[];
}

export function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop() ?? '';
}
