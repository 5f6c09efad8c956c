import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { shared } from './env.js';
import { collect, GOBOX, type GoboxResult } from './gobox.js';
import { ensureTestUser } from './users.js';

export interface ShimUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/**
 * A test user of the shim tests (names gobox-shim-*, uids 23750-23799) with a home fresh from
 * /etc/skel, so no test sees what another left behind (shims, records, shell files).
 */
export function freshShimUser(suffix: string, uid: number): ShimUser {
  return freshUser(`gobox-shim-${suffix}`, uid);
}

/** Any test user (the caller's own prefix and uid range) with a home fresh from /etc/skel, as freshShimUser. */
export function freshUser(name: string, uid: number, shell?: string): ShimUser {
  ensureTestUser({ name, uid }, { docker: true, ...(shell ? { shell } : {}) });
  const home = `/home/${name}`;
  rmSync(home, { recursive: true, force: true });
  execFileSync('cp', ['-a', '/etc/skel', home]);
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  execFileSync('chown', ['-R', `${uid}:${gid}`, home]);
  execFileSync('chmod', ['0755', home]);
  // The user's own agent and kept answers from an earlier run of this file.
  rmSync(`/tmp/gobox-agent-${uid}`, { recursive: true, force: true });
  return { name, uid, gid, home };
}

export const HOST_PATH = '/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin';

/** The user's environment for a command: a clean one, as a fresh session has, plus extras. */
export function userEnv(u: ShimUser, extra: Record<string, string> = {}): Record<string, string> {
  return { HOME: u.home, USER: u.name, LOGNAME: u.name, PATH: HOST_PATH, GOBOX_STATE_DIR: shared.stateDir, NO_COLOR: '1', GOBOX_AGENT: 'off', ...extra };
}

/** Starts argv as the user, in a clean environment (runuser + env -i). */
export function spawnAs(u: ShimUser, argv: string[], cwd: string, env: Record<string, string>): ChildProcess {
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return spawn('runuser', ['-u', u.name, '--', 'env', '-i', ...pairs, ...argv], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function runAs(u: ShimUser, argv: string[], cwd: string, env: Record<string, string>, input?: string): Promise<GoboxResult> {
  return collect(spawnAs(u, argv, cwd, env), input !== undefined ? { input } : {});
}

/** gobox itself, as the user. */
export function goboxAs(u: ShimUser, args: string[], cwd: string, extra: Record<string, string> = {}): Promise<GoboxResult> {
  return runAs(u, [process.execPath, GOBOX, ...args], cwd, userEnv(u, extra));
}

/** Stops the user's agents (SIGTERM, as a logout would) and forgets their kept answers. */
export function stopAgentsOf(u: ShimUser): void {
  const out = execFileSync('sh', ['-c', `pgrep -u ${u.uid} -f "bin.js agent" || true`], { encoding: 'utf8' }).trim();
  for (const pid of out ? out.split('\n').map(Number) : []) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone already
    }
  }
  if (existsSync(`/tmp/gobox-agent-${u.uid}`)) rmSync(`/tmp/gobox-agent-${u.uid}`, { recursive: true, force: true });
}
