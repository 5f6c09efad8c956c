import { errorMessage } from '../common/errors.js';
import { logger } from '../common/logger.js';

const log = logger('agent');
/**
 * Removals of earlier runs' sandboxes a new run does not wait for. Past this many still under
 * way (a script calling go list in a tight loop on a slow engine) it waits for one to finish, so
 * stopped sandboxes never pile up.
 */
export const MAX_PENDING_REMOVALS = 3;

/**
 * The agent's work after a run's reply (app/run/run.ts afterReply and removeLater), and what it
 * had to say, told with the next run. A soft-limit cache check runs in order and the next run
 * waits for it (the quota stays honest). A sandbox's removal does not hold the next run: the
 * command has exited, and what it wrote is in place; a failed removal is told when it is known.
 */
export class AfterRuns {
  private chain: Promise<void> = Promise.resolve();
  private readonly removals = new Set<Promise<void>>();
  private readonly notices: string[] = [];

  /** A check the next run waits for. */
  add(check: () => Promise<string[]>): void {
    // A failed check must not stall the runs after it: it is logged, and has nothing to say.
    this.chain = this.chain.then(check).then((n) => void this.notices.push(...n), (e: unknown) => log.warn(`work after a run failed: ${errorMessage(e)}`));
  }

  /** A sandbox's removal, started now. */
  remove(removal: () => Promise<string[]>): void {
    const done: Promise<void> = removal().then(
      (n) => void this.notices.push(...n),
      (e: unknown) => log.warn(`removing a sandbox after its run failed: ${errorMessage(e)}`),
    ).finally(() => this.removals.delete(done));
    this.removals.add(done);
  }

  /** Before a run: the checks of earlier runs done, removals below the bound; their notices. */
  async settle(): Promise<string[]> {
    await this.chain;
    while (this.removals.size >= MAX_PENDING_REMOVALS) await Promise.race(this.removals);
    return this.notices.splice(0);
  }

  /** Before the agent exits: everything done. */
  async drain(): Promise<void> {
    await this.chain;
    await Promise.all(this.removals);
  }
}
