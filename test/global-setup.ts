import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

const REPO = path.resolve(import.meta.dirname, '..');
const GOBOX = path.join(REPO, 'dist', 'cli', 'bin.js');
/** Kept between local runs so toolchains are imported once; CI starts from a fresh machine anyway. */
const STATE = process.env.GOBOX_IT_STATE_DIR ?? '/tmp/gobox-it-state';
const OLD_GOROOT = '/usr/lib/go-1.19';
const NEW_GOROOT = process.env.GOBOX_IT_GOROOT ?? '/usr/local/go';
const USERS = [
  { name: 'gobox-it-a', uid: 23401 },
  { name: 'gobox-it-b', uid: 23402 },
];

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function goboxAsRoot(args: string[]): string {
  return sh(process.execPath, [GOBOX, ...args], { ...process.env, GOBOX_STATE_DIR: STATE, GOBOX_AGENT: 'off' });
}

/** The engine is a hard requirement: no engine test may skip itself, in CI or anywhere else. */
function requireEngine(): void {
  try {
    sh('docker', ['info', '--format', '{{.ServerVersion}}']);
  } catch (e) {
    throw new Error(
      `integration tests need a running container engine and found none (${(e as Error).message.split('\n')[0]}). ` +
        'Run: sudo bash scripts/setup-host.sh',
    );
  }
}

function goVersion(goroot: string): string {
  const v = readFileSync(path.join(goroot, 'VERSION'), 'utf8').split('\n')[0]!.trim();
  return v.replace(/^go/, '');
}

function ensureUsers(): { name: string; uid: number; gid: number }[] {
  if (process.getuid?.() !== 0) throw new Error('integration tests create test users with useradd and must run as root (CI does)');
  return USERS.map((u) => {
    try {
      sh('id', ['-u', u.name]);
    } catch {
      sh('useradd', ['--create-home', '--uid', String(u.uid), '--user-group', '--shell', '/bin/sh', u.name]);
    }
    // The docker group is the "direct mode" way for a user to reach the engine.
    sh('usermod', ['-aG', 'docker', u.name]);
    const uid = Number(sh('id', ['-u', u.name]).trim());
    const gid = Number(sh('id', ['-g', u.name]).trim());
    return { name: u.name, uid, gid };
  });
}

export default async function setup(project: TestProject): Promise<void> {
  requireEngine();
  if (!existsSync(GOBOX)) throw new Error(`${GOBOX} is missing: run npm run build first (npm test does)`);
  for (const goroot of [NEW_GOROOT, OLD_GOROOT]) {
    if (!existsSync(path.join(goroot, 'bin', 'go'))) throw new Error(`${goroot} has no Go; run: sudo bash scripts/setup-host.sh`);
  }
  mkdirSync(STATE, { recursive: true, mode: 0o755 });
  const installed = goboxAsRoot(['toolchain', 'list', '--json']);
  const have = new Set((JSON.parse(installed) as { version: string }[]).map((t) => t.version));
  for (const goroot of [NEW_GOROOT, OLD_GOROOT]) {
    if (!have.has(goVersion(goroot))) goboxAsRoot(['toolchain', 'import', goroot]);
  }
  const images = sh('docker', ['images', '-q', 'gobox-base:bookworm']).trim();
  if (!images) {
    process.stderr.write('global setup: building the sandbox image offline (first run only)\n');
    goboxAsRoot(['image', 'build', '--offline']);
  }
  const users = ensureUsers();
  project.provide('stateDir', STATE);
  project.provide('goNew', goVersion(NEW_GOROOT));
  project.provide('goOld', goVersion(OLD_GOROOT));
  project.provide('testUsers', users);
}
