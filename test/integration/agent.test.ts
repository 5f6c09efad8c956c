import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { collect, gobox, GOBOX, HELLO, makeModule, profileHome, spawnGobox, waitFor } from '../helpers/gobox.js';
import { typeIntoTty } from '../helpers/tty.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * The warm agent (src/agent): the first `gobox run` goes direct and starts the user's agent in
 * the background; the runs after it go through the agent. The rest of the suite turns it off
 * and drives the direct path; here every sandbox rule is checked again through the agent.
 */
const user = () => shared.users[0]!;
const ON = { GOBOX_AGENT: 'on', GOBOX_AGENT_IDLE: '120s' };
const agentDir = () => `/tmp/gobox-agent-${user().uid}`;
const asUser = (args: string[], cwd: string, env: Record<string, string> = {}, input?: string) =>
  gobox(args, { cwd, user: user().name, env: { ...ON, ...env }, ...(input !== undefined ? { input } : {}) });

function pids(pattern: string, uid = user().uid): number[] {
  const out = execFileSync('sh', ['-c', `pgrep -u ${uid} -f "${pattern}" || true`], { encoding: 'utf8' }).trim();
  return out ? out.split('\n').map(Number) : [];
}
const agents = (uid?: number) => pids('bin.js agent', uid);
const sockets = () => (existsSync(agentDir()) ? readdirSync(agentDir()).filter((f) => f.endsWith('.sock')) : []);

/**
 * The user's sandboxes: the gobox process each was started for (its gobox.pid label), whether
 * it was started ahead (gobox.warm), and what runs in it now (a sandbox started ahead was
 * labelled before its command was known, so the processes tell).
 */
function sandboxes(): { id: string; pid: number; warm: boolean; toolchain: string; command: string }[] {
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
async function stopAgents(): Promise<void> {
  const running = agents();
  for (const pid of running) process.kill(pid, 'SIGTERM');
  await waitFor(() => !agents().some((p) => running.includes(p)), 20_000);
  rmSync(agentDir(), { recursive: true, force: true });
}

/** The agent finding of `gobox doctor --json`, for the user's runs from dir. */
async function doctorSays(dir: string, name = user().name): Promise<{ status: string; detail: string }> {
  const r = await gobox(['doctor', '--json'], { cwd: dir, user: name, env: ON });
  return (JSON.parse(r.stdout) as { findings: { check: string; status: string; detail: string }[] }).findings.find((f) => f.check === 'agent')!;
}

/** Which gobox process started the sandbox of a run (its gobox.pid label); the run is then interrupted. */
async function servedBy(dir: string, marker: number): Promise<number> {
  return (await sandboxOf(dir, marker)).pid;
}

async function sandboxOf(dir: string, marker: number, env: Record<string, string> = {}): Promise<{ id: string; pid: number; warm: boolean }> {
  const child = spawnGobox(['run', 'sleep', String(marker)], { cwd: dir, user: user().name, env: { ...ON, ...env } });
  const done = collect(child);
  const box = await waitFor(() => sandboxes().find((s) => s.command.includes(`sleep ${marker}`)), 30_000);
  process.kill(await waitFor(() => pids(`bin.js run sleep ${marker}`)[0]), 'SIGINT');
  expect((await done).code).toBe(130);
  await waitFor(() => !sandboxes().some((s) => s.id === box.id), 20_000);
  return box;
}

/** Runs until one is served by a sandbox started ahead: from then on, runs like it are. */
async function untilWarm(dir: string, env: Record<string, string> = {}): Promise<void> {
  for (let marker = 630; marker < 640; marker++) if ((await sandboxOf(dir, marker, env)).warm) return;
  throw new Error('no run was served by a sandbox started ahead');
}

/** A run that starts an agent, then waits until it serves. */
async function warmAgent(dir: string, env: Record<string, string> = {}): Promise<number> {
  expect((await asUser(['run', 'true'], dir, env)).code).toBe(0);
  await waitFor(() => sockets().length > 0 && agents().length > 0, 30_000);
  return agents()[0]!;
}

describe('the warm agent', () => {
  let dir: string;
  beforeAll(async () => {
    await stopAgents();
    dir = makeModule(HELLO);
  });
  afterAll(async () => {
    await stopAgents();
    // Nothing left behind: no sandbox of this user, started ahead or otherwise.
    expect(sandboxes()).toEqual([]);
  });

  it('is started by the first run and serves the next ones, with exit status, streams and the user intact', async () => {
    const agent = await warmAgent(dir);
    const r = await asUser(['run', 'sh', '-c', 'echo out; echo err >&2; id -u; touch /usr/local/go/x 2>/dev/null || echo ro-goroot; exit 7'], dir);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe(`out\n${user().uid}\nro-goroot\n`);
    expect(r.stderr).toBe('err\n');
    // The witness that it went through the agent: the sandbox was started by the agent's process,
    // and Ctrl-C on the client reached it (130, sandbox gone).
    expect(await servedBy(dir, 601)).toBe(agent);
    expect(await doctorSays(dir)).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^running for these settings at \/tmp\/gobox-agent-\d+\/agent-[0-9a-f]{16}\.sock$/) });
  });

  it('forwards stdin and keeps stdout and stderr apart', async () => {
    await warmAgent(dir);
    const r = await asUser(['run', 'sh', '-c', 'cat; echo done >&2'], dir, {}, 'piped in\nline two\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('piped in\nline two\n');
    expect(r.stderr).toBe('done\n');
  });

  it('resolves every run afresh: version files, the caller’s Go settings, --go and the profile', async () => {
    const agent = await warmAgent(dir);
    const mod = makeModule({ 'go.mod': 'module example.com/a\n\ngo 1.19\n', '.go-version': `${shared.goOld}\n` });
    expect((await asUser(['run', 'go', 'version'], mod)).stdout).toContain(`go${shared.goOld} `);
    writeFileSync(path.join(mod, '.go-version'), `${shared.goNew}\n`);
    expect((await asUser(['run', 'go', 'version'], mod)).stdout).toContain(`go${shared.goNew} `);
    expect((await asUser(['--go', shared.goOld, 'run', 'go', 'version'], makeModule(HELLO))).stdout).toContain(`go${shared.goOld} `);
    expect((await asUser(['run', 'go', 'env', 'GOPRIVATE'], mod, { GOPRIVATE: 'example.com/private' })).stdout).toBe('example.com/private\n');
    expect((await asUser(['run', 'go', 'env', 'GOPRIVATE'], mod)).stdout).toBe('\n');
    const memory = 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes';
    expect((await asUser(['run', 'sh', '-c', memory], mod)).stdout).toBe(`${4 * 1024 ** 3}\n`);
    expect((await asUser(['-p', 'classroom', 'run', 'sh', '-c', memory], mod)).stdout).toBe(`${1024 ** 3}\n`);
    // All of it served by the one agent.
    expect(agents()).toEqual([agent]);
  });

  it('runs the next command in a sandbox started ahead: a fresh one each time, with the same environment as a direct run', async () => {
    await warmAgent(dir);
    await untilWarm(dir);
    // admin ps names the command a sandbox started ahead runs, and says when one still waits.
    const child = spawnGobox(['run', 'sleep', '650'], { cwd: dir, user: user().name, env: ON });
    const done = collect(child);
    const box = await waitFor(() => sandboxes().find((s) => s.command.includes('sleep 650')), 30_000);
    expect(box.warm).toBe(true);
    const ps = JSON.parse((await gobox(['admin', 'ps', '--json'], { cwd: '/' })).stdout) as { id: string; command: string }[];
    expect(ps.find((r) => box.id.startsWith(r.id))?.command).toBe('sleep 650');
    process.kill(await waitFor(() => pids('bin.js run sleep 650')[0]), 'SIGINT');
    await done;
    await waitFor(() => sandboxes().some((s) => s.warm && s.command.includes('read -r go')), 10_000);
    const waiting = JSON.parse((await gobox(['admin', 'ps', '--json'], { cwd: '/' })).stdout) as { uid: number; command: string }[];
    expect(waiting.filter((r) => r.uid === user().uid).map((r) => r.command)).toContain('(warm: waiting for a run)');
    const probe = ['run', 'sh', '-c', 'test -e /tmp/left-behind && echo left || echo clean; touch /tmp/left-behind; id -un; env | grep -v ^HOSTNAME= | sort'];
    const first = await asUser(probe, dir);
    const second = await asUser(probe, dir);
    const direct = await asUser(probe, dir, { GOBOX_AGENT: 'off' });
    expect(first.code).toBe(0);
    // Nothing from the run before: /tmp has nothing of it.
    expect(first.stdout.split('\n').slice(0, 2)).toEqual(['clean', user().name]);
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout).toBe(direct.stdout);
  });

  it('gives a warm sandbox the exit status, stdin, 127 and the wall-clock limit of a direct run', async () => {
    const home = profileHome({ short: 'limits:\n  timeout: 2s\n' }, user());
    const env = { XDG_CONFIG_HOME: home, GOBOX_PROFILE: 'short' };
    await untilWarm(dir, env);
    const r = await asUser(['run', 'sh', '-c', 'cat; exit 5'], dir, env, 'through\n');
    expect([r.code, r.stdout]).toEqual([5, 'through\n']);
    const missing = await asUser(['run', 'no-such-command', 'x'], dir, env);
    expect([missing.code, missing.stderr]).toEqual([127, 'gobox: no-such-command: command not found in the sandbox\n']);
    const slow = await asUser(['run', 'sleep', '30'], dir, env);
    expect(slow.code).toBe(124);
    expect(slow.stderr).toContain('timed out after 2s');
  });

  it('never hands out a sandbox for a project directory that was replaced since', async () => {
    await warmAgent(dir);
    const proj = makeModule({ ...HELLO, 'marker.txt': 'old\n' });
    expect((await asUser(['run', 'cat', 'marker.txt'], proj)).stdout).toBe('old\n');
    rmSync(proj, { recursive: true, force: true });
    mkdirSync(proj);
    writeFileSync(path.join(proj, 'go.mod'), HELLO['go.mod']);
    writeFileSync(path.join(proj, 'marker.txt'), 'new\n');
    execFileSync('chown', ['-R', `${user().uid}:${user().gid}`, proj]);
    const r = await asUser(['run', 'cat', 'marker.txt'], proj);
    expect([r.code, r.stdout]).toEqual([0, 'new\n']);
  });

  it('does not let an unclaimed sandbox started ahead block toolchain remove, and a running command still does', async () => {
    // A store of its own, so removing its toolchain touches nothing the other tests use.
    const state = mkdtempSync('/tmp/gobox-it-agent-store-');
    chmodSync(state, 0o755);
    const root = (args: string[]) => gobox(args, { cwd: '/', env: { GOBOX_STATE_DIR: state } });
    try {
      expect((await root(['toolchain', 'import', '/usr/lib/go-1.19'])).code).toBe(0);
      const env = { GOBOX_STATE_DIR: state };
      const old = makeModule({ 'go.mod': 'module example.com/old\n\ngo 1.19\n' });
      await untilWarm(old, env);
      const waiting = () => sandboxes().filter((s) => s.warm && s.toolchain === shared.goOld && s.command.includes('read -r go'));
      await waitFor(() => waiting().length === 1, 10_000);
      // A command running in the toolchain: refused.
      const child = spawnGobox(['run', 'sleep', '640'], { cwd: old, user: user().name, env: { ...ON, ...env } });
      const done = collect(child);
      await waitFor(() => sandboxes().some((s) => s.command.includes('sleep 640')), 30_000);
      const refused = await root(['toolchain', 'remove', shared.goOld]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('is in use by a running sandbox');
      process.kill(await waitFor(() => pids('bin.js run sleep 640')[0]), 'SIGINT');
      await done;
      // Only the launcher waits now: the sandbox started ahead goes, the toolchain with it.
      await waitFor(() => waiting().length === 1, 10_000);
      const removed = await root(['toolchain', 'remove', shared.goOld]);
      expect([removed.code, removed.stderr]).toEqual([0, '']);
      expect(waiting()).toEqual([]);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('gives a run on a TTY a terminal through the agent', async () => {
    // An idle time of its own makes this root agent one of its own, with its own log.
    const idle = `${60 + Math.floor(Math.random() * 1000)}s`;
    const env = { PATH: process.env.PATH, GOBOX_STATE_DIR: shared.stateDir, TERM: 'xterm', HOME: '/root', GOBOX_AGENT: 'on', GOBOX_AGENT_IDLE: idle };
    const owner = shared.users[0]!;
    const proj = makeModule(HELLO, owner);
    const tty = () => typeIntoTty(`${process.execPath} ${GOBOX} run sh -i`, proj, env, 'tty; id -u; exit 3\n');
    const environOf = (p: number) => {
      try {
        return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
      } catch {
        return []; // exited meanwhile
      }
    };
    const mine = () => pids('bin.js agent', 0).filter((p) => environOf(p).includes(`GOBOX_AGENT_IDLE=${idle}`));
    // The agent's stderr is its log file (cli/agent-run.ts opens it for the agent).
    const log = () => readFileSync(readlinkSync(`/proc/${mine()[0]}/fd/2`), 'utf8');
    try {
      expect((await tty()).code).toBe(3); // in-process; starts this root agent
      await waitFor(() => mine().length === 1 && log().includes('serving uid 0'), 30_000);
      const r = await tty();
      expect(r.code).toBe(3);
      expect(r.screen).toMatch(/\/dev\/pts\/\d+/);
      expect(r.screen).toContain(`\n${owner.uid}\r`);
      expect(log()).toMatch(/served run \w+ on a TTY: exit 3/);
    } finally {
      const running = mine();
      for (const p of running) process.kill(p, 'SIGTERM');
      await waitFor(() => !mine().length, 20_000);
    }
  });

  it('measures a soft-limit cache after the caller has its exit status, and says what it trimmed on the next run', async () => {
    const S = { name: 'gobox-it-s', uid: 23405, gid: 23405 };
    ensureTestUser(S);
    const env = { ...ON, XDG_CONFIG_HOME: profileHome({ small: 'cache:\n  size: 64m\n' }, S), GOBOX_PROFILE: 'small' };
    const proj = makeModule(HELLO, S);
    const asS = (args: string[]) => gobox(args, { cwd: proj, env, user: S.name });
    const theirs = () => pids('bin.js agent', S.uid);
    const log = () => {
      try {
        return readFileSync(readlinkSync(`/proc/${theirs()[0]}/fd/2`), 'utf8');
      } catch {
        return '';
      }
    };
    await gobox(['cache', 'clear', '--reset', '--user', String(S.uid)], { cwd: '/', env: {} });
    try {
      expect((await asS(['run', 'true'])).code).toBe(0); // in-process; starts S's agent
      await waitFor(() => log().includes(`serving uid ${S.uid}`), 30_000);
      const fill = await asS(['run', 'sh', '-c', 'cd "$GOCACHE" && for i in 1 2 3 4 5 6 7; do mkdir -p 0$i && dd if=/dev/zero of=0$i/entry$i-d bs=1M count=10 status=none && touch -d @$((1700000000 + i * 1000)) 0$i/entry$i-d; done']);
      expect([fill.code, fill.stderr]).toEqual([0, '']);
      const next = await asS(['run', 'sh', '-c', 'cd "$GOCACHE" && ls 0*/ | grep entry']);
      expect(next.stderr).toMatch(new RegExp(`^gobox: after your last run: cache gobox-cache-${S.uid} used 70\\.\\d MiB of its 64 MiB quota; trimmed 20 MiB \\(oldest build cache entries\\) to about 50\\.\\d MiB\\n$`));
      // Trimmed before this run started.
      expect(next.stdout).toBe(['entry3-d', 'entry4-d', 'entry5-d', 'entry6-d', 'entry7-d', ''].join('\n'));
      expect(log()).toContain('served run');
    } finally {
      for (const p of theirs()) process.kill(p, 'SIGTERM');
      await waitFor(() => theirs().length === 0, 20_000);
    }
  });

  it('stops and removes the sandbox when its client is killed', async () => {
    await warmAgent(dir);
    const child = spawnGobox(['run', 'sleep', '602'], { cwd: dir, user: user().name, env: ON });
    const done = collect(child);
    const box = await waitFor(() => sandboxes().find((s) => s.command.includes('sleep 602')), 30_000);
    process.kill(await waitFor(() => pids('bin.js run sleep 602')[0]), 'SIGKILL');
    await done;
    await waitFor(() => !sandboxes().some((s) => s.id === box.id), 20_000);
  });

  it('is replaced after it died: that run goes direct, and a new agent serves the next', async () => {
    await stopAgents(); // only this environment's agent from here on
    const old = await warmAgent(dir);
    process.kill(old, 'SIGKILL');
    await waitFor(() => !agents().includes(old));
    // The dead agent's socket is still there; nothing answers on it.
    expect(sockets().length).toBeGreaterThan(0);
    // It goes direct, stdin and all.
    const r = await asUser(['run', 'cat'], dir, {}, 'still works\n');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'still works\n', '']);
    await waitFor(() => agents().some((p) => p !== old), 30_000);
    // Until it listens, runs go direct; then a new agent serves them, and it is the only one left.
    let by = 0;
    for (let marker = 610; !agents().includes(by) && marker < 620; marker++) by = await servedBy(dir, marker);
    expect(by).not.toBe(old);
    expect(agents()).toContain(by);
    await waitFor(() => agents().length === 1, 20_000);
    expect(agents()).toEqual([by]);
  });

  it('exits after GOBOX_AGENT_IDLE without runs, and removes its socket', async () => {
    await warmAgent(dir);
    const before = sockets();
    // Another idle time is another agent (its own socket), started by this run.
    expect((await asUser(['run', 'true'], dir, { GOBOX_AGENT_IDLE: '2s' })).code).toBe(0);
    const added = await waitFor(() => sockets().find((s) => !before.includes(s)), 30_000);
    await waitFor(() => !sockets().includes(added), 30_000);
    expect(sockets()).toEqual(before);
  });

  it('runs direct when the environment is too large for a request to the agent', async () => {
    await warmAgent(dir);
    const big = { BIG_MODULES_ENV: 'x'.repeat(70 * 1024) };
    const r = await asUser(['run', 'sh', '-c', 'cat; printf %s "$BIG_MODULES_ENV" | wc -c'], dir, big, 'in\n');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'in\n0\n', '']);
  });

  it('never fails a run when it cannot start an agent: the run goes direct', async () => {
    await stopAgents();
    mkdirSync(agentDir(), { mode: 0o500 });
    chmodSync(agentDir(), 0o500);
    execFileSync('chown', [`${user().uid}:${user().gid}`, agentDir()]);
    try {
      const r = await asUser(['run', 'cat'], dir, {}, 'direct anyway\n');
      expect([r.code, r.stdout, r.stderr]).toEqual([0, 'direct anyway\n', '']);
      await new Promise((res) => setTimeout(res, 1000));
      expect(agents()).toEqual([]);
    } finally {
      rmSync(agentDir(), { recursive: true, force: true });
    }
  });

  it('is not started with GOBOX_AGENT=off', async () => {
    await stopAgents();
    expect((await asUser(['run', 'true'], dir, { GOBOX_AGENT: 'off' })).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(agents()).toEqual([]);
    expect(sockets()).toEqual([]);
  });

  it("never uses a socket directory someone else made: the user's runs go direct", async () => {
    const other = shared.users[1]!;
    const foreign = `/tmp/gobox-agent-${other.uid}`;
    rmSync(foreign, { recursive: true, force: true });
    mkdirSync(foreign);
    chmodSync(foreign, 0o777);
    try {
      const mod = makeModule(HELLO, other);
      const r = await gobox(['run', 'echo', 'direct'], { cwd: mod, user: other.name, env: ON });
      expect([r.code, r.stdout, r.stderr]).toEqual([0, 'direct\n', '']);
      expect(await doctorSays(mod, other.name)).toMatchObject({ status: 'warn', detail: expect.stringContaining(`${foreign} is missing or not yours alone`) });
      await new Promise((r) => setTimeout(r, 1500));
      expect(agents(other.uid)).toEqual([]);
      expect(readdirSync(foreign)).toEqual([]);
    } finally {
      rmSync(foreign, { recursive: true, force: true });
    }
  });
});
