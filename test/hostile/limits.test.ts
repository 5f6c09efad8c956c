import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { collect, HELLO, makeModule, spawnGobox, waitFor } from '../helpers/gobox.js';
import { daemonSandboxes, withTwoUserDaemon } from '../helpers/daemon.js';

const TIGHT = { memory: '96m', timeout: '3s', output: '64k', pids: '64' };

describe('daemon: limits hold against hostile commands', () => {
  const t = withTwoUserDaemon();
  const { a, b } = t;

  it('fork bomb: the pids limit holds and the host stays fine', async () => {
    const r = await t.d.run(a.name, ['run', 'sh', '-c', '( for i in $(seq 300); do sleep 30 & done ) 2>/dev/null; set -- /proc/[0-9]*; echo $#'], { cwd: t.dirA, limits: TIGHT });
    const count = Number(r.stdout.trim().split('\n')[0]);
    expect(count).toBeLessThanOrEqual(64);
    expect(count).toBeGreaterThan(10);
    expect(execFileSync('sh', ['-c', 'echo host ok'], { encoding: 'utf8' })).toBe('host ok\n');
  });

  it('memory hog: 137 with the OOM message naming the limit', async () => {
    const r = await t.d.run(a.name, ['run', 'sh', '-c', 'a=xxxxxxxxxxxxxxxx; while :; do a="$a$a"; done'], { cwd: t.dirA, limits: TIGHT });
    expect(r.code).toBe(137);
    expect(r.stderr).toContain("killed: out of memory, the sandbox's memory limit of 96 MiB was reached");
  });

  it('output flood: cut at the cap', async () => {
    const r = await t.d.run(a.name, ['run', 'sh', '-c', 'yes flood'], { cwd: t.dirA, limits: TIGHT });
    expect(r.code).toBe(137);
    expect(r.stdout.length).toBeLessThanOrEqual(64 * 1024);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(r.stderr).toContain('output limit 64 KiB exceeded');
  });

  it('sleep forever: the wall clock ends it with 124', async () => {
    const r = await t.d.run(a.name, ['run', 'sleep', '600'], { cwd: t.dirA, limits: TIGHT });
    expect(r.code).toBe(124);
    expect(r.stderr).toContain('timed out after 3s');
  });

  it('a process that ignores SIGTERM is killed after the grace period', async () => {
    const started = Date.now();
    const r = await t.d.run(a.name, ['run', 'sh', '-c', 'trap "" TERM; while :; do sleep 0.2; done'], { cwd: t.dirA, limits: TIGHT });
    expect(r.code).toBe(124);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a background process left behind is gone with the sandbox', async () => {
    const r = await t.d.run(a.name, ['run', 'sh', '-c', 'nohup sleep 4321 >/dev/null 2>&1 & echo started'], { cwd: t.dirA });
    expect(r.stdout).toBe('started\n');
    await waitFor(() => daemonSandboxes(t.d).length === 0, 20_000);
    const left = execFileSync('sh', ['-c', `pgrep -u ${a.uid} -f "sleep 4321" || true`], { encoding: 'utf8' }).trim();
    expect(left).toBe('');
  });

  it('a request over the policy is refused, naming the limit', async () => {
    const r = await t.d.run(a.name, ['run', 'true'], { cwd: t.dirA, limits: { memory: '64g' } });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('requested memory 64 GiB exceeds the policy maximum 2 GiB (maxLimits.memory)');
  });

  it('concurrent sandboxes per user are capped by the policy', async () => {
    const kids = [0, 1, 2].map(() => spawnGobox(['run', 'sleep', '60'], { cwd: t.dirA, user: a.name, env: { ...t.d.clientEnv, GOBOX_LIMIT_TIMEOUT: '10s' } }));
    const done = kids.map((k) => collect(k));
    await waitFor(() => daemonSandboxes(t.d).length >= 3, 60_000);
    const r = await t.d.run(a.name, ['run', 'true'], { cwd: t.dirA });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('the policy allows 3 at a time (policy.maxSandboxes)');
    // Another user is not counted against A.
    expect((await t.d.run(b.name, ['run', 'true'], { cwd: t.dirB })).code).toBe(0);
    expect((await Promise.all(done)).map((x) => x.code)).toEqual([124, 124, 124]);
  });

  it('disk fill of /tmp and of the cache stops at the limit; the other user is unaffected', async () => {
    const fill = [
      'dd if=/dev/zero of=/tmp/fill bs=1M 2>$HOME/e1; grep -q "No space" $HOME/e1 && echo TMP-FULL',
      'df -k /tmp | tail -1 | awk \'{print "TMPUSED", $3}\'; rm -f /tmp/fill',
      'dd if=/dev/zero of=$GOCACHE/fill bs=1M 2>$HOME/e2; grep -q "No space" $HOME/e2 && echo CACHE-FULL',
      'du -sk $GOCACHE/fill | awk \'{print "CACHEFILL", $1}\'; rm -f $GOCACHE/fill',
    ].join('; ');
    // The user outside the docker group: their cache was made by a daemon, at the policy's size.
    const r = await t.d.run(t.nd.name, ['-p', 'hostile', 'run', 'sh', '-c', fill], { cwd: makeModule(HELLO, t.nd) });
    expect(r.stdout).toContain('TMP-FULL');
    expect(r.stdout).toContain('CACHE-FULL');
    expect(Number(/TMPUSED (\d+)/.exec(r.stdout)?.[1])).toBeLessThanOrEqual(64 * 1024);
    // The cache is a size-limited filesystem: the fill stopped at its size, not at the host's disk.
    const cacheFillK = Number(/CACHEFILL (\d+)/.exec(r.stdout)?.[1]);
    expect(cacheFillK).toBeGreaterThan(0);
    expect(cacheFillK).toBeLessThanOrEqual(512 * 1024);
    const other = await t.d.run(b.name, ['-p', 'hostile', 'run', 'sh', '-c', 'echo fine > /tmp/x && cat /tmp/x && echo ok > $GOCACHE/probe && rm $GOCACHE/probe && echo cache-ok'], { cwd: t.dirB });
    expect(other.stdout).toBe('fine\ncache-ok\n');
  });
});
