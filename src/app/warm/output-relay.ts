import { Writable } from 'node:stream';

/** What a sandbox started ahead may print before a run claims it (nothing, normally) and is kept. */
const HELD_MAX_BYTES = 64 * 1024;

/**
 * The output side of an attach made before a warm sandbox started (app/warm/pool.ts): the
 * engine ends such a stream when the command exits, where one made after the start ends only
 * once the engine has cleaned the sandbox up (55-75 ms later on Docker 20.10, network teardown
 * included). Its bytes go to the run that claims the sandbox, from the moment it plugs in its own
 * stream. Writes are passed on at once, as the attach itself did with the run's stream.
 */
export class OutputRelay extends Writable {
  private target: Writable | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;

  plug(target: Writable): void {
    this.target = target;
    for (const chunk of this.held) target.write(chunk);
    this.held = [];
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.target) this.target.write(chunk);
    else if (this.heldBytes + chunk.length <= HELD_MAX_BYTES) {
      // Only the launcher runs before the claim, and it prints nothing unless it fails.
      this.held.push(chunk);
      this.heldBytes += chunk.length;
    }
    cb();
  }
}
