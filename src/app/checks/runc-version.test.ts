import { describe, expect, it } from 'vitest';
import { runcVerdict } from './runc-version.js';

describe('runcVerdict', () => {
  it.each([
    ['1.1.12', true],
    ['1.2.0', true],
    ['2.0.0', true],
    ['1.1.11', false],
    ['1.0.3', false],
    ['1.1.5+ds1 (1.1.5+ds1-1+deb12u1)', true],
    ['1.1.5+ds1 (1.1.5+ds1-1)', false],
  ])('%s -> ok=%s', (version, ok) => {
    expect(runcVerdict(version).ok).toBe(ok);
  });

  it('says why when the version is unknown', () => {
    expect(runcVerdict(undefined)).toEqual({ ok: false, detail: 'the engine did not report its runc version' });
    expect(runcVerdict('banana').ok).toBe(false);
  });
});
