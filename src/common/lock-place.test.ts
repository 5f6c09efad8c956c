import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, chownSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockPlaces, readableLockPlaces, writableLockPlace } from './lock-place.js';

let tmp: string;
let env: NodeJS.ProcessEnv;
const asRoot = process.getuid?.() === 0;
const OTHER = 23639;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'gobox-lockplace-'));
  env = { GOBOX_STATE_DIR: path.join(tmp, 'state'), GOBOX_RUN_DIR: path.join(tmp, 'run') };
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('lock places', () => {
  it('puts the shared place under the run dir, never under the state dir', async () => {
    const places = await lockPlaces(OTHER, env);
    for (const p of places) expect(p.startsWith(env.GOBOX_STATE_DIR!)).toBe(false);
    expect(places[0]).toBe(path.join(tmp, 'run', 'locks', String(OTHER)));
  });

  it.runIf(asRoot)('root makes a 0711 root-owned locks dir and a 0700 place owned by the user', async () => {
    const dir = await writableLockPlace(OTHER, env);
    expect(dir).toBe(path.join(tmp, 'run', 'locks', String(OTHER)));
    const root = statSync(path.dirname(dir!));
    expect([root.uid, root.mode & 0o7777]).toEqual([0, 0o711]);
    const own = statSync(dir!);
    expect([own.uid, own.mode & 0o7777]).toEqual([OTHER, 0o700]);
    expect(await readableLockPlaces(OTHER, env)).toEqual([dir]);
  });

  it.runIf(asRoot)('root replaces a place squatted by someone else (another owner, a symlink, open mode)', async () => {
    const locks = path.join(tmp, 'run', 'locks');
    mkdirSync(locks, { recursive: true, mode: 0o1777 });
    chmodSync(locks, 0o1777);
    const place = path.join(locks, String(OTHER));
    mkdirSync(place);
    chownSync(place, OTHER + 1, OTHER + 1);
    writeFileSync(path.join(place, '.lock-trim'), '1\n');
    expect(await readableLockPlaces(OTHER, env)).toEqual([]);
    expect(await writableLockPlace(OTHER, env)).toBe(place);
    expect(statSync(place).uid).toBe(OTHER);
    expect(existsSync(path.join(place, '.lock-trim'))).toBe(false);
    expect(statSync(locks).mode & 0o7777).toBe(0o711);
    rmSync(place, { recursive: true });
    symlinkSync('/tmp', place);
    expect(await writableLockPlace(OTHER, env)).toBe(place);
    expect(statSync(place).isDirectory() && statSync(place).uid).toBe(OTHER);
  });

  it.runIf(asRoot)('root retires the old world-writable locks dir under the state dir', async () => {
    const legacy = path.join(env.GOBOX_STATE_DIR!, 'locks');
    mkdirSync(path.join(legacy, String(OTHER)), { recursive: true });
    chmodSync(legacy, 0o1777);
    await writableLockPlace(OTHER, env);
    expect(existsSync(legacy)).toBe(false);
  });
});
