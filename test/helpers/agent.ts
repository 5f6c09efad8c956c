import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { shared } from './env.js';
import { collect, gobox, HELLO, makeModule, spawnGobox, waitFor, type GoboxResult } from './gobox.js';
/**
 * The warm agent (src/agent): the first `gobox run` goes direct and starts the user's agent in
 * the background; the runs after it go through the agent. The rest of the suite turns it off
 * and drives the direct path; here every sandbox rule is checked again through the agent.
 */
export const user = () => shared.users[0]!;
export const ON = { GOBOX_AGENT: 'on', GOBOX_AGENT_IDLE: '120s' };
export const agentDir = () => `/tmp/gobox-agent-${user().uid}`;
export const asUser = (args: string[], cwd: string, env: Record<string, string> = {}, input?: string) =>
  gobox(args, { cwd, user: user().name, env: { ...ON, ...env }, ...(input !== undefined ? { input } : {}) });

export function pids(pattern: string, uid = user().uid): number[] {
  const out = execFileSync('sh', ['-c', `pgrep -u ${uid} -f "${pattern}" || true`], { encoding: 'utf8' }).trim();
  return out ? out.split('\n').map(Number) : [];
}
export const agents = (uid?: number) => pids('bin.js agent', uid);
export const sockets = () => (existsSync(agentDir()) ? readdirSync(agentDir()).filter((f) => f.endsWith('.sock')) : []);

/**
 * The user's sandboxes: the gobox process each was started for (its gobox.pid label), whether
 * it was started ahead (gobox.warm), and what runs in it now (a sandbox started ahead was
 * labelled before its command was known, so the processes tell).
 */
export function sandboxes(): { id: string; pid: number; warm: boolean; toolchain: string; command: string }[] {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=gobox.owner=${user().uid}`, '--filter', 'label=gobox.kind=sandbox'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return ids.flatMap((id) => {
    try {
      const labels = JSON.parse(execFileSync('docker', ['inspect', '-f', '{{json .Config.Labels}}', id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Record<string, string>;
      const top = execFileSync('docker', ['top', id, '-eo', 'pid,args'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return [{ id, pid: Number(labels['gobox.pid']), warm: labels['gobox.warm'] === 'true', toolchain: labels['gobox.toolchain'] ?? '', command: top }];
    } catch {
      return []; // gone meanwhile, or not running
    }
  });
}

/** Stops the user's agents as a logout or shutdown would (SIGTERM): each removes its sandbox started ahead. */
export async function stopAgents(): Promise<void> {
  const running = agents();
  for (const pid of running) process.kill(pid, 'SIGTERM');
  await waitFor(() => !agents().some((p) => running.includes(p)), 20_000);
  rmSync(agentDir(), { recursive: true, force: true });
}

/** The agent finding of `gobox doctor --json`, for the user's runs from dir. */
export async function doctorSays(dir: string, name = user().name): Promise<{ status: string; detail: string }> {
  const r = await gobox(['doctor', '--json'], { cwd: dir, user: name, env: ON });
  return (JSON.parse(r.stdout) as { findings: { check: string; status: string; detail: string }[] }).findings.find((f) => f.check === 'agent')!;
}

/** Which gobox process started the sandbox of a run (its gobox.pid label); the run is then interrupted. */
export async function servedBy(dir: string, marker: number): Promise<number> {
  return (await sandboxOf(dir, marker)).pid;
}

export async function sandboxOf(dir: string, marker: number, env: Record<string, string> = {}): Promise<{ id: string; pid: number; warm: boolean }> {
  const child = spawnGobox(['run', 'sleep', String(marker)], { cwd: dir, user: user().name, env: { ...ON, ...env } });
  const done = collect(child);
  const box = await sandboxRunning(`sleep ${marker}`, child, done);
  process.kill(await waitFor(() => pids(`bin.js run sleep ${marker}`)[0]), 'SIGINT');
  expect((await done).code).toBe(130);
  await waitFor(() => !sandboxes().some((s) => s.id === box.id), 20_000);
  return box;
}

/**
 * Waits until a sandbox of the user's runs `command`. A run that ends first, or a wait that
 * times out, fails with what the run printed, the user's sandboxes and the agents' logs, so a
 * failure says which side stalled instead of only "not met in time".
 */
export async function sandboxRunning(command: string, child: ChildProcess, done: Promise<GoboxResult>): Promise<ReturnType<typeof sandboxes>[number]> {
  let ended: GoboxResult | undefined;
  let stderr = '';
  void done.then((r) => (ended = r), () => undefined);
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const end = Date.now() + 30_000;
  for (;;) {
    const box = sandboxes().find((s) => s.command.includes(command));
    if (box) return box;
    const why = ended ? `the run ended (${ended.code}) first` : Date.now() > end ? 'no such sandbox within 30 s' : undefined;
    if (why) throw new Error(`${why} for "${command}"; its stderr: ${JSON.stringify(ended?.stderr ?? stderr)}; sandboxes: ${JSON.stringify(sandboxes())}; agent logs: ${agentLogs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The tails of the user's agent logs (beside their sockets), for a failure's message. */
function agentLogs(): string {
  if (!existsSync(agentDir())) return '(no agent dir)';
  return readdirSync(agentDir()).filter((f) => f.endsWith('.log')).map((f) => `${f}: ${readFileSync(path.join(agentDir(), f), 'utf8').slice(-1500)}`).join(' | ') || '(no logs)';
}

/** Runs until one is served by a sandbox started ahead: from then on, runs like it are. */
export async function untilWarm(dir: string, env: Record<string, string> = {}): Promise<void> {
  for (let marker = 630; marker < 640; marker++) if ((await sandboxOf(dir, marker, env)).warm) return;
  throw new Error('no run was served by a sandbox started ahead');
}

/** A run that starts an agent, then waits until it serves. */
export async function warmAgent(dir: string, env: Record<string, string> = {}): Promise<number> {
  expect((await asUser(['run', 'true'], dir, env)).code).toBe(0);
  await waitFor(() => sockets().length > 0 && agents().length > 0, 30_000);
  return agents()[0]!;
}


/**
 * A module of the test user's for one describe block of agent tests, with none of the user's
 * agents before it, and after it no agent and no sandbox of the user's left (as after a logout).
 */
export function agentTestModule(): () => string {
  let dir = '';
  beforeAll(async () => {
    await stopAgents();
    dir = makeModule(HELLO);
  });
  afterAll(async () => {
    await stopAgents();
    // Nothing left behind: no sandbox of this user, started ahead or otherwise.
    expect(sandboxes()).toEqual([]);
  });
  return () => dir;
}
