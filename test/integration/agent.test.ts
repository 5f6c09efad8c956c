import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { collect, gobox, GOBOX, HELLO, makeModule, profileHome, REPO, spawnGobox, waitFor } from '../helpers/gobox.js';
import { typeIntoTty } from '../helpers/tty.js';
import { agents, agentTestModule, asUser, doctorSays, ON, pids, sandboxes, sandboxRunning, servedBy, untilWarm, user, warmAgent } from '../helpers/agent.js';

/**
 * The warm agent (src/agent): the first `gobox run` goes direct and starts the user's agent in
 * the background; the runs after it go through the agent. The rest of the suite turns it off
 * and drives the direct path; here every sandbox rule is checked again through the agent.
 * Its lifecycle (idle exit, replacement, fallbacks) is in agent-lifecycle.test.ts.
 */
describe('the warm agent', () => {
  const dir = agentTestModule();

  it('is started by the first run and serves the next ones, with exit status, streams and the user intact', async () => {
    const agent = await warmAgent(dir());
    const r = await asUser(['run', 'sh', '-c', 'echo out; echo err >&2; id -u; touch /usr/local/go/x 2>/dev/null || echo ro-goroot; exit 7'], dir());
    expect(r.code).toBe(7);
    expect(r.stdout).toBe(`out\n${user().uid}\nro-goroot\n`);
    expect(r.stderr).toBe('err\n');
    // The witness that it went through the agent: the sandbox was started by the agent's process,
    // and Ctrl-C on the client reached it (130, sandbox gone).
    expect(await servedBy(dir(), 601)).toBe(agent);
    expect(await doctorSays(dir())).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^running for these settings at \/tmp\/gobox-agent-\d+\/agent-[0-9a-f]{16}\.sock$/) });
  });

  it('forwards stdin and keeps stdout and stderr apart', async () => {
    await warmAgent(dir());
    const r = await asUser(['run', 'sh', '-c', 'cat; echo done >&2'], dir(), {}, 'piped in\nline two\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('piped in\nline two\n');
    expect(r.stderr).toBe('done\n');
  });

  it('resolves every run afresh: version files, the caller’s Go settings, --go and the profile', async () => {
    const agent = await warmAgent(dir());
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
    await warmAgent(dir());
    await untilWarm(dir());
    // admin ps names the command a sandbox started ahead runs, and says when one still waits.
    const child = spawnGobox(['run', 'sleep', '650'], { cwd: dir(), user: user().name, env: ON });
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
    const first = await asUser(probe, dir());
    const second = await asUser(probe, dir());
    const direct = await asUser(probe, dir(), { GOBOX_AGENT: 'off' });
    expect(first.code).toBe(0);
    // Nothing from the run before: /tmp has nothing of it.
    expect(first.stdout.split('\n').slice(0, 2)).toEqual(['clean', user().name]);
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout).toBe(direct.stdout);
  });

  it('removes a served run\'s sandbox after the caller has its exit status, and leaves none behind', async () => {
    await warmAgent(dir());
    await untilWarm(dir());
    // The sandbox's hostname is its container's short id: the witness of which one to look for.
    const r = await asUser(['run', 'sh', '-c', 'cat /etc/hostname; exit 3'], dir());
    expect(r.code).toBe(3);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    const next = await asUser(['run', 'true'], dir());
    expect([next.code, next.stderr]).toEqual([0, '']);
    // Removed by the agent soon after, without a word to either run.
    const gone = () => execFileSync('docker', ['ps', '-aq', '--filter', `id=${id}`], { encoding: 'utf8' }).trim() === '';
    await waitFor(gone, 10_000);
    // A run Ctrl-C stopped (130: a signal's status) is removed before its reply, as in-process.
    const child = spawnGobox(['run', 'sleep', '603'], { cwd: dir(), user: user().name, env: ON });
    const done = collect(child);
    const box = await sandboxRunning('sleep 603', child, done);
    process.kill(await waitFor(() => pids('bin.js run sleep 603')[0]), 'SIGINT');
    expect((await done).code).toBe(130);
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `id=${box.id}`], { encoding: 'utf8' }).trim()).toBe('');
  });

  it('serves a plain `gobox run` of the installed command through its client, without starting Node', async () => {
    // The build made the client (npm test builds with a Go toolchain at hand): without it this
    // test would prove nothing, so its absence fails here rather than passing through Node.
    expect(existsSync(path.join(REPO, 'dist', 'cli', 'gobox-client'))).toBe(true);
    const agent = await warmAgent(dir());
    await untilWarm(dir());
    const via = (args: string[], input?: string) =>
      gobox(args, { cwd: dir(), user: user().name, env: { ...ON, GOBOX_SHIM_TIMINGS: '1' }, launcher: true, ...(input !== undefined ? { input } : {}) });
    const r = await via(['run', 'sh', '-c', 'cat; echo err >&2; exit 4'], 'piped in\n');
    expect([r.code, r.stdout]).toEqual([4, 'piped in\n']);
    // The client's own timing line: served by it, not by Node's client (which prints none here).
    expect(r.stderr).toMatch(/^err\ngobox: shim: run through the agent \(shim client\) took [\d.]+ms \(done at \+\d+ms\)\n$/);
    // Options before the command are Node's to read, as ever: the same agent, another profile.
    const memory = await via(['-p', 'classroom', 'run', 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes']);
    expect([memory.code, memory.stdout]).toEqual([0, `${1024 ** 3}\n`]);
    expect(memory.stderr).not.toContain('(shim client)');
    expect(agents()).toEqual([agent]);
  });

  it('gives a warm sandbox the exit status, stdin, 127 and the wall-clock limit of a direct run', async () => {
    const home = profileHome({ short: 'limits:\n  timeout: 2s\n' }, user());
    const env = { XDG_CONFIG_HOME: home, GOBOX_PROFILE: 'short' };
    await untilWarm(dir(), env);
    const r = await asUser(['run', 'sh', '-c', 'cat; exit 5'], dir(), env, 'through\n');
    expect([r.code, r.stdout]).toEqual([5, 'through\n']);
    const missing = await asUser(['run', 'no-such-command', 'x'], dir(), env);
    expect([missing.code, missing.stderr]).toEqual([127, 'gobox: no-such-command: command not found in the sandbox\n']);
    const slow = await asUser(['run', 'sleep', '30'], dir(), env);
    expect(slow.code).toBe(124);
    expect(slow.stderr).toContain('timed out after 2s');
  });

  it('never hands out a sandbox for a project directory that was replaced since', async () => {
    await warmAgent(dir());
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
      await sandboxRunning('sleep 640', child, done);
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
      const first = await tty();
      expect(first.code, first.screen).toBe(3); // in-process; starts this root agent
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
});
