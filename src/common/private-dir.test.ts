import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { privateDirProblem } from './private-dir.js';

describe('privateDirProblem', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-private-'));
  const me = process.getuid?.() ?? 0;

  it('accepts a 0700 dir of the user and names every other case', () => {
    chmodSync(dir, 0o700);
    expect(privateDirProblem(statSync(dir), me)).toBeUndefined();
    expect(privateDirProblem(statSync(dir), me + 1)).toBe(`it belongs to uid ${me}`);
    chmodSync(dir, 0o750);
    expect(privateDirProblem(statSync(dir), me)).toBe('its mode is 750, not 700');
    expect(privateDirProblem(statSync(dir), me, { mode: false })).toBeUndefined();
    const file = path.join(dir, 'f');
    writeFileSync(file, '');
    expect(privateDirProblem(statSync(file), me)).toBe('it is not a directory');
  });
});
