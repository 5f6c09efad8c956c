import { PolicyError } from '../common/errors.js';
import type { Engine } from '../engine/index.js';
import type { PreparedRun } from './prepare.js';
import type { Progress } from '../common/progress.js';

/** The engine network a sandbox joins, from the profile's network mode. */
export async function resolveNetwork(_engine: Engine, p: PreparedRun, _progress: Progress): Promise<string> {
  switch (p.loaded.profile.network) {
    case 'open':
      return 'bridge';
    case 'none':
      return 'none';
    case 'proxy':
      throw new PolicyError(`network mode proxy (profile ${p.loaded.name}) is not available yet`);
  }
}
