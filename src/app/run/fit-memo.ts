import type { Progress } from '../../common/progress.js';

/**
 * How long a long-lived gobox (the user's agent) trusts an engine-fit verdict: the same as the
 * engine facts it rests on (engine/dockerode-engine.ts INFO_TTL_MS), so a runtime registered or
 * an image removed since is seen within that time, as before.
 */
export const FIT_TTL_MS = 30_000;

/**
 * Engine-fit checks that passed in silence (runtime usable, image present, limits held), kept by
 * what they depend on for FIT_TTL_MS, so a run through the agent does not ask the engine the same
 * questions again a second later. A check that had anything to say (a limit the engine will not
 * hold, an image loaded or built) is never kept: its notice is said on every run, as in a direct
 * run. A one-shot gobox has no memo and checks every time.
 */
export class FitMemo {
  private passed = new Map<string, number>();
  constructor(private readonly now: () => number = () => performance.now()) {}

  async check(key: string, progress: Progress, run: (progress: Progress) => Promise<void>): Promise<void> {
    const at = this.passed.get(key);
    if (at !== undefined && this.now() - at < FIT_TTL_MS) return;
    this.passed.delete(key);
    let spoke = false;
    const watched: Progress = {
      start: (t) => ((spoke = true), progress.start(t)),
      update: (t) => progress.update(t),
      bytes: (d, t) => progress.bytes(d, t),
      succeed: (t) => progress.succeed(t),
      fail: (t) => progress.fail(t),
      notice: (t) => ((spoke = true), progress.notice(t)),
    };
    const started = this.now();
    await run(watched);
    if (!spoke) this.passed.set(key, started);
  }
}
