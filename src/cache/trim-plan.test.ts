import { describe, expect, it } from 'vitest';
import { planTrim, type CacheEntry } from './trim-plan.js';

const MiB = 1024 ** 2;
const build = (mtime: number, mib: number): CacheEntry => ({ kind: 'build', path: '', mtime, bytes: mib * MiB });
const mod = (path: string, mtime: number, mib: number): CacheEntry => ({ kind: 'module', path, mtime, bytes: mib * MiB });

describe('planTrim', () => {
  it('deletes nothing when the cache is at or below the target', () => {
    const plan = planTrim([build(1, 10), mod('a@v1', 1, 10)], 20 * MiB, 20 * MiB);
    expect(plan).toEqual({ buildCutoff: undefined, buildBytes: 0, modules: [], moduleBytes: 0, usedAfter: 20 * MiB });
  });

  it('takes build cache entries oldest first, whatever order the scan gave', () => {
    const plan = planTrim([build(300, 10), build(100, 10), build(200, 10)], 30 * MiB, 15 * MiB);
    expect(plan.buildCutoff).toBe(200);
    expect(plan.buildBytes).toBe(20 * MiB);
    expect(plan.modules).toEqual([]);
    expect(plan.usedAfter).toBe(10 * MiB);
  });

  it('takes entries of the same second together, since the trim deletes by cutoff', () => {
    const plan = planTrim([build(100, 1), build(100, 5), build(200, 5)], 11 * MiB, 10 * MiB);
    expect(plan.buildCutoff).toBe(100);
    expect(plan.buildBytes).toBe(6 * MiB);
  });

  it('takes module versions only after the whole build cache, oldest first', () => {
    const entries = [mod('new@v2', 500, 10), build(900, 5), mod('old@v1', 50, 10), mod('mid@v1', 100, 10)];
    const plan = planTrim(entries, 35 * MiB, 12 * MiB);
    expect(plan.buildCutoff).toBe(900);
    expect(plan.modules.map((m) => m.path)).toEqual(['old@v1', 'mid@v1']);
    expect(plan.moduleBytes).toBe(20 * MiB);
    expect(plan.usedAfter).toBe(10 * MiB);
  });

  it('empties everything it knows of for a target of zero, and never reports negative use', () => {
    const plan = planTrim([build(1, 4), mod('a@v1', 1, 4)], 6 * MiB, 0);
    expect(plan.buildCutoff).toBe(1);
    expect(plan.modules).toHaveLength(1);
    expect(plan.usedAfter).toBe(0);
  });
});
