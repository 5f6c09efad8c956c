import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { collect, gobox, HELLO, makeModule, sandboxesWith, spawnGobox, waitFor } from '../helpers/gobox.js';

function sessionOf(containerId: string): string {
  return execFileSync('docker', ['inspect', '-f', '{{index .Config.Labels "gobox.pid"}}', containerId], { encoding: 'utf8' }).trim();
}

describe('signals and leftovers', () => {
  it('Ctrl-C (SIGINT) reaches the command, gobox exits 130 and the container is gone', async () => {
    const dir = makeModule(HELLO);
    const child = spawnGobox(['run', 'sleep', '600'], { cwd: dir });
    const done = collect(child);
    const id = await waitFor(() => sandboxesWith(`gobox.pid=${child.pid}`)[0]);
    await waitFor(() => execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', id], { encoding: 'utf8' }).trim() === 'true');
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(sandboxesWith(`gobox.pid=${child.pid}`)).toEqual([]);
  });

  it('Ctrl-C as soon as the sandbox exists (its start under way) ends with 130 and leaves no sandbox running on', async () => {
    const dir = makeModule(HELLO);
    for (let i = 0; i < 3; i++) {
      const child = spawnGobox(['run', 'sleep', '600'], { cwd: dir });
      const done = collect(child);
      // Polled every 20 ms: the signal lands between the create and the start, or just after it.
      await waitFor(() => sandboxesWith(`gobox.pid=${child.pid}`)[0], 30_000, 20);
      child.kill('SIGINT');
      const r = await done;
      expect([r.code, r.stderr]).toEqual([130, '']);
      expect(sandboxesWith(`gobox.pid=${child.pid}`)).toEqual([]);
    }
  });

  it('SIGTERM is forwarded; the command may handle it and exit its own way', async () => {
    const dir = makeModule(HELLO);
    const child = spawnGobox(['run', 'sh', '-c', 'trap "echo got TERM; exit 7" TERM; while :; do sleep 0.1; done'], { cwd: dir });
    const done = collect(child);
    const id = await waitFor(() => sandboxesWith(`gobox.pid=${child.pid}`)[0]);
    await waitFor(() => execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', id], { encoding: 'utf8' }).trim() === 'true');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const r = await done;
    expect(r.stdout).toBe('got TERM\n');
    expect(r.code).toBe(7);
    expect(sandboxesWith(`gobox.pid=${child.pid}`)).toEqual([]);
  });

  it('a SIGKILLed gobox leaves a sandbox that gobox gc removes', async () => {
    const dir = makeModule(HELLO);
    const child = spawnGobox(['run', 'sleep', '600'], { cwd: dir });
    const done = collect(child);
    const id = await waitFor(() => sandboxesWith(`gobox.pid=${child.pid}`)[0]);
    expect(sessionOf(id)).toBe(String(child.pid));
    child.kill('SIGKILL');
    await done;
    // Nothing could clean up: the sandbox is still there, running.
    expect(sandboxesWith(`gobox.pid=${child.pid}`)).toEqual([id]);
    const gc = await gobox(['gc', '--json'], { cwd: dir });
    expect(gc.code).toBe(0);
    const removed = (JSON.parse(gc.stdout).removed as { id: string }[]).map((s) => s.id);
    expect(removed.some((full) => full.startsWith(id))).toBe(true);
    expect(sandboxesWith(`gobox.pid=${child.pid}`)).toEqual([]);
  });

  it('the next run sweeps a dead run of the same user', async () => {
    const dir = makeModule(HELLO);
    const child = spawnGobox(['run', 'sleep', '600'], { cwd: dir });
    const done = collect(child);
    await waitFor(() => sandboxesWith(`gobox.pid=${child.pid}`)[0]);
    child.kill('SIGKILL');
    await done;
    const r = await gobox(['run', 'true'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(sandboxesWith(`gobox.pid=${child.pid}`)).toEqual([]);
  });
});
