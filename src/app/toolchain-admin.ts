import { LABEL } from '../common/labels.js';
import { connectEngine } from '../engine/index.js';
import { WARM_LABEL, warmSandboxCommand } from './warm-pool.js';

/**
 * True when a live sandbox has this toolchain mounted; used to refuse `toolchain remove`. A
 * sandbox an agent started ahead and nobody has claimed yet (only its launcher runs) does not
 * count: it is removed, and the agent starts a fresh one for its next run.
 */
export async function toolchainInUse(version: string): Promise<boolean> {
  const engine = await connectEngine();
  const boxes = await engine.listSandboxes({ [LABEL.toolchain]: version });
  for (const b of boxes) {
    if (b.state !== 'running' && b.state !== 'created' && b.state !== 'restarting') continue;
    if (b.state === 'running' && b.labels[WARM_LABEL] === 'true') {
      const command = await warmSandboxCommand(engine, b.id).catch(() => '(unknown)');
      if (command === undefined) {
        await engine.removeSandbox(b.id);
        continue;
      }
    }
    return true;
  }
  return false;
}
