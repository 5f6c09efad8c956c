import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gobox } from '../helpers/gobox.js';

/**
 * The classes' grading caches (a compiled standard library per toolchain and settings) are kept
 * while class runs use them; root's `gobox gc` removes the ones no run used for 30 days.
 */
describe('gc and the grading caches', () => {
  const state = mkdtempSync('/tmp/gobox-it-gc-state-');
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it('removes the caches unused for 30 days and keeps the others', async () => {
    const root = path.join(state, 'classes', '.grading-cache');
    const make = (key: string, daysAgo: number) => {
      mkdirSync(path.join(root, key, 'cache', '0a'), { recursive: true });
      writeFileSync(path.join(root, key, 'cache', '0a', 'entry-d'), 'x');
      writeFileSync(path.join(root, key, 'complete'), 'made\n');
      const t = new Date(Date.now() - daysAgo * 24 * 3600_000);
      utimesSync(path.join(root, key, 'complete'), t, t);
    };
    make('go1.19.13-0123456789ab', 40);
    make('go1.26.8-ba9876543210', 2);
    const r = await gobox(['gc', '--json'], { cwd: '/', env: { GOBOX_STATE_DIR: state } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).gradingCaches).toEqual(['go1.19.13-0123456789ab']);
    expect(existsSync(path.join(root, 'go1.19.13-0123456789ab'))).toBe(false);
    expect(existsSync(path.join(root, 'go1.26.8-ba9876543210', 'cache', '0a', 'entry-d'))).toBe(true);
    const plain = await gobox(['gc'], { cwd: '/', env: { GOBOX_STATE_DIR: state } });
    expect(plain.stdout).not.toContain('grading cache');
  });
});
