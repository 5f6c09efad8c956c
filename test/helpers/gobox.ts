import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shared } from './env.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GOBOX = path.join(REPO, 'dist', 'cli', 'bin.js');
/** The `gobox` command as installed (package.json bin): the launcher in front of bin.js (src/cli/launcher.ts). */
export const LAUNCHER = path.join(REPO, 'dist', 'cli', 'gobox');

export interface GoboxResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface GoboxOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Run as this (non-root) test user, through runuser so supplementary groups (docker) apply. */
  user?: string;
  input?: string;
  timeoutMs?: number;
  /** Start the installed command (LAUNCHER) instead of `node bin.js`. */
  launcher?: boolean;
}

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GOBOX_STATE_DIR: shared.stateDir,
    NO_COLOR: '1',
    // The suite drives the direct path; test/integration/agent.test.ts turns the warm agent on.
    GOBOX_AGENT: 'off',
    ...extra,
  };
}

/** Starts the real gobox CLI as a child process. */
export function spawnGobox(args: string[], o: GoboxOptions): ChildProcess {
  const env = baseEnv(o.env);
  const argv = o.launcher ? [LAUNCHER, ...args] : [process.execPath, GOBOX, ...args];
  if (o.user) {
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return spawn('runuser', ['-u', o.user, '--', 'env', '-i', `HOME=/home/${o.user}`, `USER=${o.user}`, ...envArgs, ...argv], {
      cwd: o.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }
  return spawn(argv[0]!, argv.slice(1), { cwd: o.cwd, env: { HOME: process.env.HOME ?? '/root', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function collect(child: ChildProcess, o: Pick<GoboxOptions, 'input' | 'timeoutMs'> = {}): Promise<GoboxResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gobox did not finish within ${o.timeoutMs}ms; stderr: ${stderr}`));
    }, o.timeoutMs ?? 170_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (o.input !== undefined) child.stdin!.end(o.input);
    else child.stdin!.end();
  });
}

export function gobox(args: string[], o: GoboxOptions): Promise<GoboxResult> {
  return collect(spawnGobox(args, o), o);
}

/**
 * A Go module in a fresh temp dir. It belongs to the first test user unless another owner is
 * named: root running gobox on a user's project is the common case, and the sandbox then runs
 * as that owner.
 */
export function makeModule(files: Record<string, string>, owner: { uid: number; gid: number } | 'root' = shared.users[0]!): string {
  const dir = mkdtempSync('/tmp/gobox-it-mod-');
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  if (owner !== 'root') execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dir]);
  return dir;
}

export const HELLO = {
  'go.mod': 'module example.com/hello\n\ngo 1.22\n',
  'main.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello, sandbox") }\n',
};

/** A user config dir holding extra profiles, for limits a test needs (short timeout, tiny memory). */
export function profileHome(profiles: Record<string, string>, owner?: { uid: number; gid: number }): string {
  const home = mkdtempSync('/tmp/gobox-it-cfg-');
  mkdirSync(path.join(home, 'gobox', 'profiles'), { recursive: true });
  for (const [name, yaml] of Object.entries(profiles)) writeFileSync(path.join(home, 'gobox', 'profiles', `${name}.yaml`), yaml);
  if (owner) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, home]);
  execFileSync('chmod', ['-R', 'a+rX', home]);
  return home;
}

/**
 * Sandbox container ids gobox made, found with the docker CLI (an independent witness). Helper
 * containers (cache chown or scan, limits probe) carry the same owner and pid labels, so the
 * kind is part of the filter.
 */
export function sandboxesWith(label: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`, '--filter', 'label=gobox.kind=sandbox'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 30_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
