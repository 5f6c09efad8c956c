import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule } from '../helpers/gobox.js';

/** Reads the kernel's pids/memory limit for a container started by hand: the witness for the probe. */
function witness(): { memory: boolean; pids: boolean } {
  const out = execFileSync('docker', ['run', '--rm', '--network', 'none', '--memory', '100m', '--pids-limit', '77', 'gobox-base:bookworm', 'sh', '-c',
    'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max'], { encoding: 'utf8' });
  const [memory, pids] = out.trim().split('\n');
  return { memory: memory === String(100 * 1024 * 1024), pids: pids === '77' };
}

describe('limits probe on rootful Docker', () => {
  it('doctor --json reports probed limits that match what the kernel applies, whatever the answer', async () => {
    const r = await gobox(['doctor', '--json'], { cwd: makeModule(HELLO) });
    const report = JSON.parse(r.stdout);
    expect(report.engine.limitsSource).toMatch(/^probe \(/);
    const w = witness();
    expect(report.engine.limits.memory).toBe(w.memory);
    expect(report.engine.limits.pids).toBe(w.pids);
    const limits = (report.findings as { check: string; status: string; detail: string }[]).find((f) => f.check === 'limits')!;
    expect(limits.status).toBe(w.memory && w.pids && report.engine.limits.cpu ? 'ok' : 'warn');
  });

  it('caches the answer per engine and runtime: a second doctor starts no probe container', async () => {
    await gobox(['doctor', '--json'], { cwd: makeModule(HELLO) });
    const since = Math.floor(Date.now() / 1000);
    await gobox(['doctor', '--json'], { cwd: makeModule(HELLO) });
    const until = Math.ceil(Date.now() / 1000) + 1;
    const events = execFileSync('docker', ['events', '--since', String(since), '--until', String(until), '--filter', 'event=create', '--filter', 'label=gobox.kind=helper', '--format', '{{.Actor.Attributes.name}}'], { encoding: 'utf8' });
    expect(events.split('\n').filter((n) => n.startsWith('gobox-probe-'))).toEqual([]);
  });
});
