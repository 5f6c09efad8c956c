/**
 * How long work reports progress without printing: app/ and lower layers call this interface,
 * and only cli/ implements it (an ora spinner on a TTY, plain lines otherwise).
 */
export interface Progress {
  /** Starts (or restarts) a step, e.g. "Importing Go toolchain go1.22.5". */
  start(text: string): void;
  /** Replaces the step's text, e.g. with a count. */
  update(text: string): void;
  /** Byte progress of a transfer; total is undefined when unknown. */
  bytes(done: number, total: number | undefined): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  /** A one-line notice that is not a step (e.g. "imported the host's Go on first use"). */
  notice(text: string): void;
}

/** For callers that want no output at all (tests, --json). */
export const silentProgress: Progress = {
  start() {}, update() {}, bytes() {}, succeed() {}, fail() {}, notice() {},
};
