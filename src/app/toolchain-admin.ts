import { LABEL } from '../common/labels.js';
import { connectEngine } from '../engine/index.js';

/** True when a live sandbox has this toolchain mounted; used to refuse `toolchain remove`. */
export async function toolchainInUse(version: string): Promise<boolean> {
  const engine = await connectEngine();
  const boxes = await engine.listSandboxes({ [LABEL.toolchain]: version });
  return boxes.some((b) => b.state === 'running' || b.state === 'created' || b.state === 'restarting');
}
