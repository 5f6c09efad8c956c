import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearStaleLocks, liveMarkers, lockHolder, withLock, writeMarker } from './lock-file.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'gobox-lock-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('withLock', () => {
  it('runs holders of one name one at a time, and cleans up', async () => {
    const log: string[] = [];
    const job = (id: string) => withLock(root, 'go1.22.5', async () => {
      log.push(`${id} in`);
      await sleep(30);
      log.push(`${id} out`);
      return id;
    }, { pollMs: 5 });
    expect(await Promise.all([job('a'), job('b'), job('c')])).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]!.replace('in', 'out'));
    expect(readdirSync(root)).toEqual([]);
  });

  it('lets different names run together', async () => {
    let inside = 0;
    let most = 0;
    const job = (name: string) => withLock(root, name, async () => {
      most = Math.max(most, ++inside);
      await sleep(30);
      inside--;
    });
    await Promise.all([job('go1.1'), job('go1.2')]);
    expect(most).toBe(2);
  });

  it('breaks the lock of a dead holder', async () => {
    const pid = spawnSync('true').pid!;
    writeFileSync(path.join(root, '.lock-go1.22.5'), `${pid} cafe\n`);
    expect(await withLock(root, 'go1.22.5', async () => 'got it', { pollMs: 5 })).toBe('got it');
    expect(readdirSync(root)).toEqual([]);
  });

  it('waits for a live holder, tells who, and gives up on abort', async () => {
    writeFileSync(path.join(root, '.lock-go1.22.5'), `${process.pid} cafe\n`);
    const ac = new AbortController();
    const waitedFor: string[] = [];
    const p = withLock(root, 'go1.22.5', async () => 'never', { signal: ac.signal, pollMs: 5, onWait: (pid) => waitedFor.push(pid) });
    await sleep(40);
    ac.abort();
    await expect(p).rejects.toThrow();
    expect(waitedFor).toEqual([String(process.pid)]);
    expect(readdirSync(root)).toEqual(['.lock-go1.22.5']);
  });

  it('releases the lock when the holder throws', async () => {
    await expect(withLock(root, 'x', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('lockHolder', () => {
  it('names the live holder, and nobody for a free, dead or junk lock', async () => {
    expect(await lockHolder(root, 'trim')).toBeUndefined();
    const seen = await withLock(root, 'trim', () => lockHolder(root, 'trim'));
    expect(seen).toBe(String(process.pid));
    writeFileSync(path.join(root, '.lock-trim'), `${spawnSync('true').pid!} cafe\n`);
    expect(await lockHolder(root, 'trim')).toBeUndefined();
    writeFileSync(path.join(root, '.lock-trim'), 'junk\n');
    expect(await lockHolder(root, 'trim')).toBeUndefined();
  });
});

describe('clearStaleLocks', () => {
  it('removes the locks of dead holders and keeps the live ones', async () => {
    writeFileSync(path.join(root, '.lock-dead'), `${spawnSync('true').pid!} cafe\n`);
    writeFileSync(path.join(root, '.lock-live'), `${process.pid} cafe\n`);
    writeFileSync(path.join(root, 'go1.22.5'), 'not a lock');
    await clearStaleLocks(root);
    expect(readdirSync(root).sort()).toEqual(['.lock-live', 'go1.22.5']);
  });
});

describe('markers', () => {
  it('lists the live writers of matching markers, removes dead ones, keeps one still being written', async () => {
    await writeMarker(path.join(root, 'run-a.active'));
    writeFileSync(path.join(root, 'run-dead.active'), `${spawnSync('true').pid!}\n`);
    writeFileSync(path.join(root, 'run-new.active'), '');
    writeFileSync(path.join(root, 'other'), `${process.pid}\n`);
    expect(await liveMarkers(root, /^run-.*\.active$/)).toEqual([String(process.pid)]);
    expect(readdirSync(root).sort()).toEqual(['other', 'run-a.active', 'run-new.active']);
  });
});
