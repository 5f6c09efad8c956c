import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { collect, GOBOX, HELLO, makeModule, spawnGobox, waitFor } from '../helpers/gobox.js';
import { daemonSandboxes, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

/** The gobox client process itself (runuser sits in between and does not pass signals on). */
function clientPid(uid: number, marker: string): number | undefined {
  const out = execFileSync('sh', ['-c', `pgrep -u ${uid} -f "${marker}" || true`], { encoding: 'utf8' }).trim();
  return out ? Number(out.split('\n')[0]) : undefined;
}

const admin = (args: string[]) => execFileSync(process.execPath, [GOBOX, 'admin', ...args, '--json'], { encoding: 'utf8', env: { ...process.env, GOBOX_STATE_DIR: shared.stateDir } });

describe('daemon: lifecycle, reaping and admin', () => {
  let d: TestDaemon;
  const a = shared.users[0]!;
  let dir: string;
  beforeAll(async () => {
    d = await startTestDaemon([a.name]);
    dir = makeModule(HELLO, a);
  });
  afterAll(async () => {
    await d?.stop();
    expect(daemonSandboxes(d)).toEqual([]);
  });

  const startSleep = async (secs: number) => {
    const child = spawnGobox(['run', 'sleep', String(secs)], { cwd: dir, user: a.name, env: d.clientEnv });
    const done = collect(child);
    await waitFor(() => daemonSandboxes(d).length > 0, 60_000);
    const pid = await waitFor(() => clientPid(a.uid, `bin.js run sleep ${secs}`), 10_000);
    return { done, pid };
  };

  it('Ctrl-C reaches the sandbox: 130, and the sandbox is gone', async () => {
    const { done, pid } = await startSleep(701);
    await new Promise((r) => setTimeout(r, 500));
    process.kill(pid, 'SIGINT');
    expect((await done).code).toBe(130);
    await waitFor(() => daemonSandboxes(d).length === 0, 20_000);
  });

  it('a SIGKILLed client has its sandbox reaped', async () => {
    const { done, pid } = await startSleep(702);
    process.kill(pid, 'SIGKILL');
    await done;
    await waitFor(() => daemonSandboxes(d).length === 0, 20_000);
    await waitFor(() => d.audit().some((e) => e.event === 'end' && (e.command as string[]).includes('702')), 10_000);
  });

  it('admin ps, quota and kill see and stop a daemon sandbox; the audit log has start and end', async () => {
    const { done } = await startSleep(703);
    await new Promise((r) => setTimeout(r, 1000));
    const ps = (JSON.parse(admin(['ps'])) as { user: string; command: string; via: string; memoryBytes?: number }[]).filter((r) => r.command === 'sleep 703');
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ user: a.name, via: 'daemon' });
    expect(ps[0]!.memoryBytes).toBeGreaterThan(0);
    const quota = JSON.parse(admin(['quota'])) as { user: string; limitBytes?: number }[];
    expect(quota.some((q) => q.user === a.name && (q.limitBytes ?? 0) > 0)).toBe(true);
    const killed = JSON.parse(admin(['kill', '--user', a.name])) as { killed: string[] };
    expect(killed.killed.length).toBeGreaterThanOrEqual(1);
    expect((await done).code).toBe(137);
    await waitFor(() => d.audit().some((e) => e.event === 'end' && (e.command as string[]).includes('703')), 10_000);
    const mine = d.audit().filter((e) => Array.isArray(e.command) && (e.command as string[]).includes('703'));
    expect(mine.map((e) => e.event)).toEqual(['start', 'end']);
    expect(mine[1]).toMatchObject({ user: a.name, uid: a.uid, exitCode: 137 });
    expect(typeof mine[1]!.durationMs).toBe('number');
  });

  it('a daemon stopped mid-run stops the sandbox and tells the client', async () => {
    const { done } = await startSleep(704);
    await d.stop('SIGTERM');
    const r = await done;
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('the gobox daemon stopped');
    expect(daemonSandboxes(d)).toEqual([]);
    await d.restart();
  });

  it('a daemon killed mid-run: the restarted daemon reconciles by label and nothing leaks', async () => {
    const { done } = await startSleep(705);
    await d.stop('SIGKILL');
    const r = await done;
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('lost the connection to the gobox daemon');
    // Nothing could clean up yet: the sandbox is still there.
    expect(daemonSandboxes(d).length).toBe(1);
    await d.restart();
    await waitFor(() => daemonSandboxes(d).length === 0, 20_000);
    expect(d.audit().some((e) => e.event === 'reaped')).toBe(true);
    expect((await d.run(a.name, ['run', 'echo', 'back'], { cwd: dir })).stdout).toBe('back\n');
  });
});
