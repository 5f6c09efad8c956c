import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDuration, parseSize } from '../../common/units.js';
import type { Progress } from '../../common/progress.js';
import type { RunIO, RunOutcome } from '../../common/run-io.js';
import { buildJailSpec } from '../../sandbox/jail-spec.js';
import { withActiveRun } from '../cache/volume.js';
import { executeSandbox, readyEngine, writeIdentityFiles } from '../run/index.js';
import { sandboxLoginName } from '../run/identity-files.js';
import { prepareJail } from './build.js';
import { gitFacts } from './facts.js';

/**
 * `gobox jail run CMD`: any command under the exact contract a jail build gets (no network,
 * read-only source and module cache, fixed environment, empty build cache, a scratch /out that
 * is thrown away), to see what a release build sees.
 */
export async function runInJail(o: { cwd: string; command: string[]; profile?: string | undefined; go?: string | undefined; env: NodeJS.ProcessEnv; progress: Progress; io: RunIO }): Promise<RunOutcome> {
  const p = await prepareJail(o);
  const engine = await readyEngine(p, o.progress);
  const git = await gitFacts(p.project.root);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gobox-jail-out-'));
  const ids = await writeIdentityFiles(p.user, sandboxLoginName(p));
  try {
    if (process.getuid?.() === 0) await fs.chown(scratch, p.user.uid, p.user.gid);
    const spec = buildJailSpec({ ...p.inputs, identityFiles: ids }, { sourceDateEpoch: git.epoch, outDir: scratch, command: o.command });
    const limits = p.loaded.profile.limits;
    return await withActiveRun(p.user, () =>
      executeSandbox(engine, spec, o.io, { timeoutMs: parseDuration(limits.timeout) ?? 0, outputLimit: parseSize(limits.output) ?? 0, memoryLimit: spec.limits.memoryBytes }),
    );
  } finally {
    await ids.dispose();
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
