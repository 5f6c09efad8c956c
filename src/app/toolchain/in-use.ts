import { LABEL } from '../../common/labels.js';
import { connectHostEngine } from '../run/host-engine.js';
import { discardIfWaiting } from '../warm/pool.js';

/**
 * True when a live sandbox has this toolchain mounted; used to refuse `toolchain remove`. A
 * sandbox an agent started ahead and nobody has claimed yet does not count: it is removed.
 */
export async function toolchainInUse(version: string): Promise<boolean> {
  // The host's engine: on a cluster whose nodes mount this store, its pods count too.
  const engine = await connectHostEngine();
  const boxes = await engine.listSandboxes({ [LABEL.toolchain]: version });
  for (const b of boxes) {
    if (b.state !== 'running' && b.state !== 'created' && b.state !== 'restarting') continue;
    if (!(await discardIfWaiting(engine, b))) return true;
  }
  return false;
}
