import { describe, expect, it } from 'vitest';
import { silentProgress, type Progress } from '../../common/progress.js';
import { FIT_TTL_MS, FitMemo } from './fit-memo.js';

describe('FitMemo', () => {
  it('keeps a silent pass for FIT_TTL_MS, per key', async () => {
    let now = 0;
    const memo = new FitMemo(() => now);
    let runs = 0;
    const check = async () => void runs++;
    await memo.check('a', silentProgress, check);
    await memo.check('a', silentProgress, check);
    expect(runs).toBe(1);
    await memo.check('b', silentProgress, check);
    expect(runs).toBe(2);
    now = FIT_TTL_MS + 1;
    await memo.check('a', silentProgress, check);
    expect(runs).toBe(3);
  });

  it('never keeps a check that said something, and passes its notice on every time', async () => {
    const memo = new FitMemo(() => 0);
    const said: string[] = [];
    const progress: Progress = { ...silentProgress, notice: (t) => void said.push(t) };
    const check = async (p: Progress) => p.notice('limit cpus will not hold');
    await memo.check('a', progress, check);
    await memo.check('a', progress, check);
    expect(said).toEqual(['limit cpus will not hold', 'limit cpus will not hold']);
  });

  it('never keeps a failed check', async () => {
    const memo = new FitMemo(() => 0);
    let runs = 0;
    const failing = async () => {
      runs++;
      throw new Error('runtime runsc is not registered');
    };
    await expect(memo.check('a', silentProgress, failing)).rejects.toThrow(/runsc/);
    await expect(memo.check('a', silentProgress, failing)).rejects.toThrow(/runsc/);
    expect(runs).toBe(2);
  });
});
