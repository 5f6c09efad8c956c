// The user's warm agent between timed variants: its background work kept out of the timings.
import { run } from './proc.mjs';

/**
 * After a gobox run the user's agent starts the next sandbox in the background, and removes the
 * run's own. Waiting for both (untimed) keeps that work out of the next variant's time: each
 * variant is measured on a quiet machine, and gobox is measured as a user sees it when their
 * previous run was a moment ago.
 * It waits for a running warm sandbox that was not there when it last returned: the bench's
 * shim calls have their own agent (another PATH), whose waiting sandbox must not count.
 */
let warmSeen = new Set();
export function agentSettled() {
  const end = Date.now() + 3000;
  const running = () => run(['docker', 'ps', '-q', '--no-trunc', '--filter', 'label=gobox.warm=true', '--filter', 'status=running']).stdout.split('\n').filter(Boolean);
  // The run's own sandbox, removed by the agent after its reply: gone too before the next variant.
  const removing = () => run(['docker', 'ps', '-aq', '--filter', 'label=gobox.kind=sandbox', '--filter', 'status=exited']).stdout.trim() !== '';
  let now = running();
  while (Date.now() < end && (!now.some((id) => !warmSeen.has(id)) || removing())) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    now = running();
  }
  warmSeen = new Set(now);
}
