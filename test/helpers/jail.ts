import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeModule } from './gobox.js';
import { ensureTestUser } from './users.js';

/** The jail tests' own users (issue 11): builds and rebuilds as two different uids. */
export const JAIL_USERS = [
  { name: 'gobox-jail-a', uid: 23700 },
  { name: 'gobox-jail-b', uid: 23701 },
] as const;

export function jailUsers(): { name: string; uid: number; gid: number }[] {
  return JAIL_USERS.map((u) => {
    ensureTestUser(u);
    const gid = Number(execFileSync('id', ['-g', u.name], { encoding: 'utf8' }).trim());
    return { name: u.name, uid: u.uid, gid };
  });
}

const COMMIT_DATE = '2024-01-02T03:04:05Z';
export const COMMIT_EPOCH = 1704164645;

/**
 * A Go module committed to git at a fixed time, with out/ ignored (so the default out dir leaves
 * the checkout clean), owned by `owner`.
 */
export function gitModule(files: Record<string, string>, owner: { uid: number; gid: number }): string {
  const dir = makeModule({ ...files, '.gitignore': 'out/\n' }, 'root');
  const env = { ...process.env, GIT_AUTHOR_DATE: COMMIT_DATE, GIT_COMMITTER_DATE: COMMIT_DATE, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env });
  execFileSync('git', ['-C', dir, 'add', '-A'], { env });
  execFileSync('git', ['-C', dir, 'commit', '-q', '-m', 'release'], { env });
  execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dir]);
  return dir;
}

/** A copy of a checkout (git and all) at another path, owned by another user. */
export function copyTo(dir: string, owner: { uid: number; gid: number }): string {
  const copy = mkdtempSync('/tmp/gobox-it-jailcopy-');
  execFileSync('cp', ['-a', `${dir}/.`, copy]);
  execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, copy]);
  return copy;
}

/**
 * go.mod and go.sum (go mod tidy) for a module whose dependencies a test proxy serves, made by the host's own Go with a
 * throwaway module cache, so no user's cache holds those modules before `gobox jail fetch`.
 */
export async function tidied(files: Record<string, string>, proxy: { url: string; caFile: string }): Promise<{ 'go.mod': string; 'go.sum': string }> {
  const dir = makeModule(files, 'root');
  const home = mkdtempSync(path.join(os.tmpdir(), 'gobox-it-gohome-'));
  try {
    // Asynchronous: the proxy answers from this very process.
    await promisify(execFile)('/usr/local/go/bin/go', ['mod', 'tidy'], {
      cwd: dir,
      env: {
        PATH: '/usr/local/go/bin:/usr/bin:/bin', HOME: home, GOPATH: path.join(home, 'go'), GOMODCACHE: path.join(home, 'mod'), GOCACHE: path.join(home, 'cache'),
        GOPROXY: proxy.url, GOSUMDB: 'off', SSL_CERT_FILE: proxy.caFile, GOFLAGS: '-modcacherw', GOTOOLCHAIN: 'local',
      },
    });
    return { 'go.mod': readFileSync(path.join(dir, 'go.mod'), 'utf8'), 'go.sum': readFileSync(path.join(dir, 'go.sum'), 'utf8') };
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A program with a variable for -ldflags=-X to set. */
export const STAMPED = {
  'go.mod': 'module example.com/stamped\n\ngo 1.19\n',
  'main.go': 'package main\n\nimport "fmt"\n\nvar built = "unset"\n\nfunc main() { fmt.Println("built", built) }\n',
};
