import { describe, expect, it } from 'vitest';
import { AfterRuns, MAX_PENDING_REMOVALS } from './after-runs.js';

/** A task that finishes when told to, with what it has to say. */
function gate(notices: string[] = []): { task: () => Promise<string[]>; open: () => void; started: () => boolean } {
  let open!: () => void;
  let started = false;
  const done = new Promise<void>((r) => (open = r));
  return { task: async () => ((started = true), await done, notices), open, started: () => started };
}
const settled = async (p: Promise<unknown>): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))]);

describe('AfterRuns', () => {
  it('holds the next run for a check, and tells what it said', async () => {
    const after = new AfterRuns();
    const check = gate(['trimmed 1 GiB']);
    after.add(check.task);
    const next = after.settle();
    expect(await settled(next)).toBe(false);
    check.open();
    expect(await next).toEqual(['trimmed 1 GiB']);
  });

  it('does not hold the next run for a removal, and tells what it said once it is done', async () => {
    const after = new AfterRuns();
    const removal = gate(['warning: could not remove the sandbox abc']);
    after.remove(removal.task);
    expect(removal.started()).toBe(true);
    expect(await after.settle()).toEqual([]);
    removal.open();
    await after.drain();
    expect(await after.settle()).toEqual(['warning: could not remove the sandbox abc']);
  });

  it('holds the next run once removals pile up, and drains them all before the agent exits', async () => {
    const after = new AfterRuns();
    const removals = Array.from({ length: MAX_PENDING_REMOVALS }, () => gate());
    for (const r of removals) after.remove(r.task);
    const next = after.settle();
    expect(await settled(next)).toBe(false);
    removals[0]!.open();
    expect(await next).toEqual([]);
    const drained = after.drain();
    expect(await settled(drained)).toBe(false);
    for (const r of removals) r.open();
    await drained;
  });

  it('keeps going after a task that failed', async () => {
    const after = new AfterRuns();
    after.add(() => Promise.reject(new Error('engine gone')));
    after.remove(() => Promise.reject(new Error('engine gone')));
    after.add(async () => ['after it']);
    await after.drain();
    expect(await after.settle()).toEqual(['after it']);
  });
});
