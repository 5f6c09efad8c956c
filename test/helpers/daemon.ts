import { afterAll, beforeAll, expect } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { shared } from './env.js';
import { gobox, GOBOX, HELLO, makeModule, type GoboxOptions, type GoboxResult, waitFor } from './gobox.js';

/** A user outside the docker group: the daemon is their only way to an engine. */
export const NO_DOCKER_USER = { name: 'gobox-it-nd', uid: 23431 };

export function ensureNoDockerUser(): { name: string; uid: number; gid: number } {
  try {
    execFileSync('id', ['-u', NO_DOCKER_USER.name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--uid', String(NO_DOCKER_USER.uid), '--user-group', '--shell', '/bin/sh', NO_DOCKER_USER.name]);
  }
  const groups = execFileSync('id', ['-nG', NO_DOCKER_USER.name], { encoding: 'utf8' }).trim().split(/\s+/);
  if (groups.includes('docker')) execFileSync('gpasswd', ['-d', NO_DOCKER_USER.name, 'docker'], { stdio: 'ignore' });
  const uid = Number(execFileSync('id', ['-u', NO_DOCKER_USER.name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', NO_DOCKER_USER.name], { encoding: 'utf8' }).trim());
  return { name: NO_DOCKER_USER.name, uid, gid };
}

export interface TestDaemon {
  runDir: string;
  /** GOBOX_SYSTEM_CONFIG_DIR of the daemon: profiles here are the admin's. */
  sysDir: string;
  configFile: string;
  auditFile: string;
  /** Env a client needs to find this daemon. */
  clientEnv: Record<string, string>;
  child: ChildProcess;
  log(): string;
  audit(): Record<string, unknown>[];
  /** Run the CLI as a test user against this daemon. */
  run(user: string, args: string[], o: Omit<GoboxOptions, 'user'> & { limits?: Record<string, string> }): Promise<GoboxResult>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

/** Small scratch space and cache, so disk fills end in seconds. */
const HOSTILE_PROFILE = `description: hostile tests
network: none
limits:
  memory: 512m
  pids: 256
  timeout: 2m
  output: 16m
  tmp: 64m
  home: 16m
cache:
  size: 96m
`;

const DEFAULT_CONFIG = (users: string[]) => `serve:
  users: [${users.join(', ')}]
maxLimits:
  memory: 2g
  pids: 2048
  timeout: 10m
  cacheSize: 512m
policy:
  maxSandboxes: 3
`;

/** Starts `gobox serve` as root with temp run dir, config and audit log. */
export async function startTestDaemon(users: string[], config = DEFAULT_CONFIG(users), extraEnv: Record<string, string> = {}): Promise<TestDaemon> {
  const base = mkdtempSync('/tmp/gobox-hd-');
  chmodSync(base, 0o755);
  const runDir = path.join(base, 'run');
  const configFile = path.join(base, 'config.yaml');
  const auditFile = path.join(base, 'audit.jsonl');
  writeFileSync(configFile, config);
  mkdirSync(path.join(base, 'sys', 'profiles'), { recursive: true });
  writeFileSync(path.join(base, 'sys', 'profiles', 'hostile.yaml'), HOSTILE_PROFILE);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/root',
    GOBOX_STATE_DIR: shared.stateDir,
    GOBOX_RUN_DIR: runDir,
    GOBOX_CONFIG: configFile,
    GOBOX_SYSTEM_CONFIG_DIR: path.join(base, 'sys'),
    GOBOX_AUDIT_LOG: auditFile,
    NO_COLOR: '1',
    ...extraEnv,
  };
  let logText = '';
  const launch = async (): Promise<ChildProcess> => {
    const from = logText.length;
    const child = spawn(process.execPath, [GOBOX, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b: Buffer) => (logText += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (logText += b.toString()));
    await waitFor(() => logText.slice(from).includes('daemon ready') || child.exitCode !== null, 60_000);
    if (child.exitCode !== null) throw new Error(`gobox serve exited: ${logText}`);
    return child;
  };
  const d: TestDaemon = {
    runDir, configFile, auditFile, sysDir: path.join(base, 'sys'),
    clientEnv: { GOBOX_RUN_DIR: runDir },
    child: await launch(),
    log: () => logText,
    audit: () => (existsSync(auditFile) ? readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []),
    run: (user, args, o) => {
      const limits = Object.fromEntries(Object.entries(o.limits ?? {}).map(([k, v]) => [`GOBOX_LIMIT_${k.toUpperCase()}`, v]));
      return gobox(args, { ...o, user, env: { ...d.clientEnv, ...limits, ...(o.env ?? {}) } });
    },
    async stop(signal = 'SIGTERM') {
      if (d.child.exitCode !== null || d.child.signalCode !== null) return;
      const gone = new Promise((r) => d.child.once('exit', r));
      d.child.kill(signal);
      await gone;
    },
    async restart() {
      await d.stop();
      d.child = await launch();
    },
  };
  return d;
}

/** Containers of one daemon, by its run dir label (an independent witness: the docker CLI). */
export function daemonSandboxes(d: TestDaemon): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=gobox.daemon=${d.runDir}`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

const RAW_CLIENT = `
const net = require('node:net');
const [sock, b64, holdMs] = process.argv.slice(1);
const c = net.createConnection(sock);
let buf = Buffer.alloc(0);
const frames = [];
c.on('connect', () => { c.write(Buffer.from(b64, 'base64')); if (Number(holdMs) === 0) c.end(); });
c.on('data', (d) => { buf = Buffer.concat([buf, d]); while (buf.length >= 5) { const n = buf.readUInt32BE(1); if (buf.length < 5 + n) break; frames.push({ type: buf[0], text: buf.subarray(5, 5 + n).toString() }); buf = buf.subarray(5 + n); } });
c.on('error', (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(0); });
c.on('close', () => { console.log(JSON.stringify({ frames })); process.exit(0); });
setTimeout(() => { console.log(JSON.stringify({ frames, timeout: true })); process.exit(0); }, Number(holdMs) || 20000);
`;

/** Sends raw bytes to a socket (as a user, or as root) and returns the frames that came back. */
export function rawRequest(socket: string, payload: Buffer, o: { user?: string; holdMs?: number } = {}): { frames?: { type: number; text: string }[]; error?: string; timeout?: boolean } {
  const args = [process.execPath, '-e', RAW_CLIENT, socket, payload.toString('base64'), String(o.holdMs ?? 0)];
  const cmd = o.user ? ['runuser', '-u', o.user, '--', ...args] : args;
  const out = execFileSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

export function socketOf(d: TestDaemon, uid: number): string {
  return path.join(d.runDir, 'u', String(uid), 'gobox.sock');
}

/** Everything of a user that a hostile run must not touch: their home and projects, listed with sizes and times. */
export function fingerprint(paths: string[]): string {
  return paths.map((p) => execFileSync('sh', ['-c', `ls -lAR --time-style=full-iso "${p}" 2>&1 | sha256sum`], { encoding: 'utf8' })).join('');
}

/** A 0700 dir in the user's home holding a world-readable secret: what another user must never see. */
export function privateDirOf(u: { name: string; uid: number; gid: number }): string {
  const dir = `/home/${u.name}/gobox-hostile-private`;
  if (existsSync(path.join(dir, 'inner', 'secret.txt'))) return dir;
  mkdirSync(path.join(dir, 'inner'), { recursive: true });
  writeFileSync(path.join(dir, 'inner', 'secret.txt'), `TOP-SECRET of ${u.name}\n`);
  execFileSync('chown', ['-R', `${u.uid}:${u.gid}`, dir]);
  chmodSync(dir, 0o700);
  chmodSync(path.join(dir, 'inner'), 0o755);
  chmodSync(path.join(dir, 'inner', 'secret.txt'), 0o644);
  return dir;
}

/**
 * A test daemon for the users of one describe block: started before its tests, stopped after
 * them (then `afterStop` checks what must hold once it is gone). Call the result for the daemon.
 */
export function withTestDaemon(users: string[], o: { afterStop?: (d: TestDaemon | undefined) => void | Promise<void> } = {}): () => TestDaemon {
  let d: TestDaemon | undefined;
  beforeAll(async () => {
    d = await startTestDaemon(users);
  });
  afterAll(async () => {
    await d?.stop();
    await o.afterStop?.(d);
  });
  return () => {
    if (!d) throw new Error('the test daemon has not started');
    return d;
  };
}

/** What a two-user daemon block works with: users A and B, a user outside the docker group, a module each. */
export interface TwoUserDaemon {
  d: TestDaemon;
  a: { name: string; uid: number; gid: number };
  b: { name: string; uid: number; gid: number };
  nd: { name: string; uid: number; gid: number };
  dirA: string;
  dirB: string;
}

/**
 * A test daemon serving A, B and a user outside the docker group, for one describe block. After
 * the block, whatever A's runs tried, nothing of B's changed and (unless `leftovers` allows it)
 * no sandbox of the daemon's is left.
 */
export function withTwoUserDaemon(o: { leftovers?: boolean } = {}): TwoUserDaemon {
  const t = { a: shared.users[0]!, b: shared.users[1]! } as TwoUserDaemon;
  let before = '';
  beforeAll(async () => {
    t.nd = ensureNoDockerUser();
    t.d = await startTestDaemon([t.a.name, t.b.name, t.nd.name]);
    t.dirA = makeModule(HELLO, t.a);
    t.dirB = makeModule(HELLO, t.b);
    before = fingerprint([t.dirB, privateDirOf(t.b)]);
  });
  afterAll(async () => {
    await t.d?.stop();
    if (!o.leftovers) expect(daemonSandboxes(t.d)).toEqual([]);
    expect(fingerprint([t.dirB, privateDirOf(t.b)])).toBe(before);
  });
  return t;
}
