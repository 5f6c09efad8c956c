import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerToken } from '../common/owner-token.js';
import { liveRuns, trimHolder, withRunMarker, withTrimLock } from './run-lock.js';

let state: string;
let env: NodeJS.ProcessEnv;
const uid = process.getuid?.() ?? 0;
const dir = () => path.join(state, 'locks', String(uid));

beforeEach(() => {
  state = mkdtempSync(path.join(os.tmpdir(), 'gobox-runlock-'));
  env = { GOBOX_STATE_DIR: state, GOBOX_RUN_DIR: state };
});
afterEach(() => rmSync(state, { recursive: true, force: true }));

describe('run markers and the trim lock', () => {
  it('a run is visible while it lasts and leaves nothing behind', async () => {
    let seen: string[] = [];
    await withRunMarker(uid, async () => {
      seen = await liveRuns(uid, env);
    }, { env });
    expect(seen).toEqual([String(process.pid)]);
    expect(await liveRuns(uid, env)).toEqual([]);
    expect(readdirSync(dir()).filter((n) => n.endsWith('.active'))).toEqual([]);
  });

  it('a trim sees the live runs, and markers of dead processes are swept', async () => {
    mkdirSync(dir(), { recursive: true });
    const dead = spawnSync('true').pid!;
    writeFileSync(path.join(dir(), 'run-dead.active'), `${dead}\n`);
    const seen = await withRunMarker(uid, () => withTrimLock(uid, async (pids) => pids, { env }), { env });
    expect(seen).toEqual([String(process.pid)]);
    expect(readdirSync(dir())).not.toContain('run-dead.active');
  });

  it('a run waits while a trim holds the lock, then proceeds', async () => {
    const order: string[] = [];
    const waited: string[] = [];
    const trim = withTrimLock(uid, async () => {
      order.push('trim in');
      await sleep(300);
      order.push('trim out');
    }, { env, pollMs: 10 });
    // Wait for the trim to hold the lock (a busy machine may take longer than any fixed sleep).
    while (!order.includes('trim in')) await sleep(5);
    expect(await trimHolder(uid, env)).toBe(String(process.pid));
    await withRunMarker(uid, async () => {
      order.push('run');
    }, { env, pollMs: 10, onWait: (pid) => waited.push(pid) });
    await trim;
    expect(order).toEqual(['trim in', 'trim out', 'run']);
    expect(waited).toEqual([String(process.pid)]);
  });

  it('ignores a lock dir that is neither the user\'s nor root\'s', async () => {
    if (uid !== 0) return;
    mkdirSync(dir(), { recursive: true });
    spawnSync('chown', ['12345', dir()]);
    writeFileSync(path.join(dir(), 'run-x.active'), `${ownerToken()}\n`);
    expect(await liveRuns(uid, env)).toEqual([]);
  });
});
