import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { collect, gobox, HELLO, makeModule, profileHome, spawnGobox, waitFor } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';
import { agentDir, agents, agentTestModule, asUser, doctorSays, ON, pids, sandboxes, servedBy, sockets, stopAgents, user, warmAgent } from '../helpers/agent.js';

/** The warm agent's lifecycle: after-run cache checks, a killed client, replacement, idle exit, and every way a run still goes direct. */
describe('the warm agent: lifecycle and fallbacks', () => {
  const dir = agentTestModule();

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
    await warmAgent(dir());
    const child = spawnGobox(['run', 'sleep', '602'], { cwd: dir(), user: user().name, env: ON });
    const done = collect(child);
    const box = await waitFor(() => sandboxes().find((s) => s.command.includes('sleep 602')), 30_000);
    process.kill(await waitFor(() => pids('bin.js run sleep 602')[0]), 'SIGKILL');
    await done;
    await waitFor(() => !sandboxes().some((s) => s.id === box.id), 20_000);
  });

  it('is replaced after it died: that run goes direct, and a new agent serves the next', async () => {
    await stopAgents(); // only this environment's agent from here on
    const old = await warmAgent(dir());
    process.kill(old, 'SIGKILL');
    await waitFor(() => !agents().includes(old));
    // The dead agent's socket is still there; nothing answers on it.
    expect(sockets().length).toBeGreaterThan(0);
    // It goes direct, stdin and all.
    const r = await asUser(['run', 'cat'], dir(), {}, 'still works\n');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'still works\n', '']);
    await waitFor(() => agents().some((p) => p !== old), 30_000);
    // Until it listens, runs go direct; then a new agent serves them, and it is the only one left.
    let by = 0;
    for (let marker = 610; !agents().includes(by) && marker < 620; marker++) by = await servedBy(dir(), marker);
    expect(by).not.toBe(old);
    expect(agents()).toContain(by);
    await waitFor(() => agents().length === 1, 20_000);
    expect(agents()).toEqual([by]);
  });

  it('exits after GOBOX_AGENT_IDLE without runs, and removes its socket', async () => {
    await warmAgent(dir());
    const before = sockets();
    // Another idle time is another agent (its own socket), started by this run.
    expect((await asUser(['run', 'true'], dir(), { GOBOX_AGENT_IDLE: '2s' })).code).toBe(0);
    const added = await waitFor(() => sockets().find((s) => !before.includes(s)), 30_000);
    await waitFor(() => !sockets().includes(added), 30_000);
    expect(sockets()).toEqual(before);
  });

  it('runs direct when the environment is too large for a request to the agent', async () => {
    await warmAgent(dir());
    const big = { BIG_MODULES_ENV: 'x'.repeat(70 * 1024) };
    const r = await asUser(['run', 'sh', '-c', 'cat; printf %s "$BIG_MODULES_ENV" | wc -c'], dir(), big, 'in\n');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'in\n0\n', '']);
  });

  it('never fails a run when it cannot start an agent: the run goes direct', async () => {
    await stopAgents();
    mkdirSync(agentDir(), { mode: 0o500 });
    chmodSync(agentDir(), 0o500);
    execFileSync('chown', [`${user().uid}:${user().gid}`, agentDir()]);
    try {
      const r = await asUser(['run', 'cat'], dir(), {}, 'direct anyway\n');
      expect([r.code, r.stdout, r.stderr]).toEqual([0, 'direct anyway\n', '']);
      await new Promise((res) => setTimeout(res, 1000));
      expect(agents()).toEqual([]);
    } finally {
      rmSync(agentDir(), { recursive: true, force: true });
    }
  });

  it('is not started with GOBOX_AGENT=off', async () => {
    await stopAgents();
    expect((await asUser(['run', 'true'], dir(), { GOBOX_AGENT: 'off' })).code).toBe(0);
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
