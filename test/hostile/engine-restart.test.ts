import { execFileSync, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { collect, gobox, HELLO, makeModule, sandboxesWith, spawnGobox, waitFor } from '../helpers/gobox.js';
import { daemonSandboxes, withTestDaemon } from '../helpers/daemon.js';

function engineUp(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Stops dockerd and starts it again the way scripts/setup-host.sh does (no systemd here). */
async function restartEngine(): Promise<void> {
  const pid = execFileSync('sh', ['-c', 'pidof dockerd || true'], { encoding: 'utf8' }).trim();
  if (!pid) throw new Error('this test restarts a dockerd it can find, and found none');
  process.kill(Number(pid), 'SIGTERM');
  await waitFor(() => !execFileSync('sh', ['-c', 'pidof dockerd || true'], { encoding: 'utf8' }).trim(), 60_000, 200);
  const log = openSync('/var/log/dockerd.log', 'a');
  spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
  await waitFor(() => engineUp(), 60_000, 250);
}

describe('an engine restart mid-run leaks nothing', () => {
  const a = shared.users[0]!;
  // Whatever happens in the test, leave an engine behind for the tests that follow.
  const daemon = withTestDaemon([a.name], { afterStop: async () => { if (!engineUp()) await restartEngine(); } });

  it('direct and daemon runs end with a clear error, and no sandbox survives the restart', async () => {
    const dir = makeModule(HELLO, a);
    const direct = spawnGobox(['run', 'sleep', '801'], { cwd: dir });
    const directDone = collect(direct);
    const viaDaemon = spawnGobox(['run', 'sleep', '802'], { cwd: dir, user: a.name, env: daemon().clientEnv });
    const daemonDone = collect(viaDaemon);
    await waitFor(() => sandboxesWith(`gobox.pid=${direct.pid}`).length > 0 && daemonSandboxes(daemon()).length > 0, 60_000);

    await restartEngine();

    const [r1, r2] = await Promise.all([directDone, daemonDone]);
    // The engine killed the command: gobox reports it rather than hanging or claiming success.
    expect(r1.code).not.toBe(0);
    expect(r2.code).not.toBe(0);
    expect(r1.stderr).toMatch(/gobox: (the command ended by SIG(TERM|KILL) \(exit 1[34][37]\), not sent by gobox|the container engine went away|.*engine)/);
    // The daemon reconciles by label, the direct run's leftovers go with the next run of that user.
    await waitFor(() => daemonSandboxes(daemon()).length === 0, 60_000, 500);
    const next = await gobox(['run', 'true'], { cwd: dir });
    expect(next.code).toBe(0);
    expect(sandboxesWith(`gobox.pid=${direct.pid}`)).toEqual([]);
    const again = await daemon().run(a.name, ['run', 'echo', 'back'], { cwd: dir });
    expect(again.stdout).toBe('back\n');
  });
});
