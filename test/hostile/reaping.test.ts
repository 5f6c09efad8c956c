import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { collect, GOBOX, gobox, HELLO, makeModule, REPO, spawnGobox, waitFor } from '../helpers/gobox.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * Reaping must judge an owner where it lives: a gobox in another PID namespace (a CI job in a
 * container sharing the engine) is not dead because its pid is missing from our /proc, and a
 * helper container (cache chown or scan, limits probe) of a killed gobox does not stay forever.
 */
const N = { name: 'gobox-reap-n', uid: 23634, gid: 23634 };
const H = { name: 'gobox-reap-h', uid: 23635, gid: 23635 };

const ps = (...labels: string[]) =>
  execFileSync('docker', ['ps', '-aq', ...labels.flatMap((l) => ['--filter', `label=${l}`])], { encoding: 'utf8' }).split('\n').filter(Boolean);
const removeAll = (ids: string[]) => ids.length && execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
const rootEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', GOBOX_STATE_DIR: shared.stateDir, NO_COLOR: '1', GOBOX_AGENT: 'off' });

/** gobox as the user in a PID namespace of its own, as in a CI container sharing the engine. */
function inNamespace(user: string, args: string[], cwd: string): ChildProcess {
  const env = Object.entries({ ...rootEnv(), HOME: `/home/${user}`, USER: user }).map(([k, v]) => `${k}=${v}`);
  return spawn('unshare', ['--pid', '--fork', '--mount-proc', 'runuser', '-u', user, '--', 'env', '-i', ...env, process.execPath, GOBOX, ...args], {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** The gobox client itself (runuser and unshare sit in between and pass no signals on). */
function clientPid(marker: string): number | undefined {
  const out = execFileSync('sh', ['-c', `pgrep -f "${marker}" || true`], { encoding: 'utf8' });
  for (const pid of out.split('\n').filter(Boolean).map(Number)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmd[0] === process.execPath && cmd[1] === GOBOX) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The sweep gc and every run use, as root on the host, limited to N's objects: the commands it removed. */
function hostSweep(): string {
  const code = `const { sweepLeftovers } = await import(${JSON.stringify(path.join(REPO, 'dist', 'app', 'run', 'gc.js'))});
    const { connectEngine } = await import(${JSON.stringify(path.join(REPO, 'dist', 'engine', 'index.js'))});
    const r = await sweepLeftovers(await connectEngine(), ${N.uid});
    console.log(r.removed.map((s) => s.labels['gobox.command']).join(','));`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: rootEnv() }).trim();
}

const running = (command: string) => ps(`gobox.owner=${N.uid}`, `gobox.command=${command}`);

/** A module of the user's for one describe block, with none of the user's engine objects before or after it. */
function moduleOf(u: { name: string; uid: number; gid: number }): () => string {
  let dir = '';
  beforeAll(() => {
    ensureTestUser(u);
    removeAll(ps(`gobox.owner=${u.uid}`));
    dir = makeModule(HELLO, u);
  });
  afterAll(() => removeAll(ps(`gobox.owner=${u.uid}`)));
  return () => dir;
}

describe('reaping across PID namespaces', () => {
  const dir = moduleOf(N);

  it('two runs in two PID namespaces sharing the engine: neither reaps the other, nor does gc from a third', async () => {
    const first = collect(inNamespace(N.name, ['run', 'sleep', '14.01'], dir()));
    await waitFor(() => running('sleep 14.01').length > 0, 120_000);
    const second = collect(inNamespace(N.name, ['run', 'sleep', '6.01'], dir()));
    await waitFor(() => running('sleep 6.01').length > 0, 60_000);
    // The second run swept this user's leftovers at its start: the first run's sandbox is not one.
    expect(running('sleep 14.01')).toHaveLength(1);
    // gc of that user from a third namespace.
    const g = await collect(inNamespace(N.name, ['gc'], '/'));
    expect(g.stderr).toBe('');
    expect(g.stdout).toContain('0 leftover sandbox(es) removed');
    expect(running('sleep 14.01')).toHaveLength(1);
    expect(running('sleep 6.01')).toHaveLength(1);
    // Root on the host sees both namespaces, finds both gobox processes there, and keeps both.
    expect(hostSweep()).toBe('');
    expect(running('sleep 14.01')).toHaveLength(1);
    const [a, b] = await Promise.all([first, second]);
    expect({ code: b.code, err: b.stderr }).toEqual({ code: 0, err: '' });
    expect({ code: a.code, err: a.stderr }).toEqual({ code: 0, err: '' });
    expect(ps(`gobox.owner=${N.uid}`)).toEqual([]);
  });

  it('a sandbox whose namespace died is reaped from the host (root in the initial PID namespace)', async () => {
    const child = inNamespace(N.name, ['run', 'sleep', '603'], dir());
    const done = collect(child);
    await waitFor(() => running('sleep 603').length > 0, 60_000);
    const pid = await waitFor(() => clientPid('bin.js run sleep 603'), 10_000);
    process.kill(pid, 'SIGKILL');
    await done;
    expect(running('sleep 603')).toHaveLength(1);
    expect(hostSweep()).toBe('sleep 603');
    expect(ps(`gobox.owner=${N.uid}`)).toEqual([]);
  });
});

describe('helper containers of a killed gobox', () => {
  const dir = moduleOf(H);

  /** Starts a run as H, SIGKILLs the gobox client as soon as a helper container of H exists. */
  const killDuringHelper = async (marker: string) => {
    const child = spawnGobox(['run', 'echo', marker], { cwd: dir(), user: H.name });
    const done = collect(child);
    // The pid first, so the kill follows the helper's appearance at once, while it is at work.
    const pid = await waitFor(() => clientPid(`bin.js run echo ${marker}`), 10_000, 10);
    const helper = await waitFor(() => ps(`gobox.owner=${H.uid}`, 'gobox.kind=helper')[0], 120_000, 5);
    process.kill(pid, 'SIGKILL');
    await done;
    // Nobody is left to remove it: this is the leak gc must clean.
    await new Promise((r) => setTimeout(r, 1500));
    expect(ps(`gobox.owner=${H.uid}`, 'gobox.kind=helper')).toContain(helper);
    return helper;
  };

  const gcAsUser = async () => {
    const r = await gobox(['gc'], { cwd: '/', user: H.name });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };

  it('SIGKILL during the limits probe: gobox gc leaves docker ps -a clean', async () => {
    // A fresh user: no cached probe answer, no cache volume, so the run starts with helpers.
    execFileSync('docker', ['volume', 'rm', '-f', `gobox-cache-${H.uid}`], { stdio: 'ignore' });
    rmSync(`/home/${H.name}/.cache/gobox`, { recursive: true, force: true });
    const helper = await killDuringHelper('probe-kill');
    expect(await gcAsUser()).toContain(helper.slice(0, 12));
    expect(ps(`gobox.owner=${H.uid}`)).toEqual([]);
  });

  it('SIGKILL during the cache volume chown: gobox gc leaves docker ps -a clean', async () => {
    // A completed run caches the probe answer; then only the new volume's chown helper precedes the sandbox.
    expect((await gobox(['run', 'true'], { cwd: dir(), user: H.name })).code).toBe(0);
    execFileSync('docker', ['volume', 'rm', '-f', `gobox-cache-${H.uid}`], { stdio: 'ignore' });
    const helper = await killDuringHelper('chown-kill');
    expect(await gcAsUser()).toContain(helper.slice(0, 12));
    expect(ps(`gobox.owner=${H.uid}`)).toEqual([]);
  });

  it('the daemon\'s reaper sweeps a helper of a killed gobox too', async () => {
    execFileSync('docker', ['volume', 'rm', '-f', `gobox-cache-${H.uid}`], { stdio: 'ignore' });
    const helper = await killDuringHelper('daemon-kill');
    const d = await startTestDaemon([H.name]);
    try {
      await waitFor(() => !ps(`gobox.owner=${H.uid}`, 'gobox.kind=helper').includes(helper), 30_000);
    } finally {
      await d.stop();
    }
    expect(ps(`gobox.owner=${H.uid}`)).toEqual([]);
  });
});
