import { UsageError } from '../../common/errors.js';
import type { Progress } from '../../common/progress.js';
import type { RunControl } from '../../common/run-io.js';
import type { Engine } from '../../engine/index.js';
import { moduleCopySpec } from '../../sandbox/jail-spec.js';
import type { SandboxInputs } from '../../sandbox/spec.js';
import type { SandboxSpec } from '../../sandbox/types.js';
import type { PreparedRun } from '../run/index.js';
import { missingModule, runJailContainer } from './container.js';
import type { JailSite } from './site.js';

/**
 * verify rebuilds as another uid than the build's, so that an output which depends on who built
 * it (a uid, a user name, a home) shows as a mismatch. distroless's "nonroot" uid: no host account
 * needs it, and it is no user's own (unless it is the caller's, then the one below it).
 */
export const REBUILD_UID = 65532;
export const REBUILD_LOGIN = 'gobox-rebuild';

export function rebuildUser(owner: { uid: number }): { uid: number; gid: number } {
  const uid = owner.uid === REBUILD_UID ? REBUILD_UID - 1 : REBUILD_UID;
  return { uid, gid: uid };
}

/**
 * The rebuild's modules: the owner's module cache is theirs alone (its root is 0700), so a jail
 * as the owner copies what go.sum names into a fresh dir the rebuild's uid can read. No network:
 * the owner's cache is the proxy, and Go checks every module against go.sum on the way.
 */
export async function copyModules(engine: Engine, p: PreparedRun, inputs: SandboxInputs, o: {
  sourceDateEpoch: number;
  stage: string;
  site: JailSite;
  finish: (spec: SandboxSpec) => SandboxSpec;
  progress: Progress;
  onStart?: (control: RunControl) => void;
}): Promise<string> {
  const dir = await o.site.moduleCopy(o.stage);
  o.progress.start('Copying the modules go.sum names for the rebuild (no network)');
  const r = await runJailContainer(engine, p, o.finish(moduleCopySpec(inputs, { sourceDateEpoch: o.sourceDateEpoch, outDir: o.stage, moduleCopy: dir })), o.onStart);
  if (r.exitCode !== 0) {
    o.progress.fail();
    const missing = /([^\s:]+@v[^\s:]+): reading file:\/\/|([^\s:]+@v[^\s:]+): .*no such file/.exec(r.stderr) ?? undefined;
    const name = missing ? (missing[1] ?? missing[2]) : missingModule(r.stderr);
    if (name) throw new UsageError(`module ${name} is not in your module cache, and the rebuild takes its modules from there`, { hint: 'run gobox jail fetch (with network) first' });
    throw new UsageError(`the rebuild could not copy its modules from your module cache: ${(r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 300) || `exit ${r.exitCode}`}`);
  }
  o.progress.succeed();
  return dir;
}
