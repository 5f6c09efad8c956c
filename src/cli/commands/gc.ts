import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../options.js';
import { printJson, printLine } from '../output.js';

export const gcModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'gc',
  describe: 'Remove sandboxes and helper containers left behind by gobox processes that died, and per-user networks no sandbox uses',
  handler: async (args) => {
    const [{ sweepLeftovers }, { removeUnusedNetworks }, { connectHostEngine }, { pruneGradingCaches }, { stateDir }] = await Promise.all([
      import('../../app/run/gc.js'), import('../../app/network/unused-networks.js'), import('../../app/run/host-engine.js'),
      import('../../app/class/warm-cache.js'), import('../../common/paths.js'),
    ]);
    const engine = await connectHostEngine();
    // Root sweeps everybody's leftovers; a user sweeps only their own.
    const uid = process.getuid?.() ?? 0;
    const owner = uid === 0 ? undefined : uid;
    const result = await sweepLeftovers(engine, owner);
    // After the sweep, so the networks of the sandboxes it removed go too.
    const networks = await removeUnusedNetworks(engine, owner);
    // The state dir is root's: only root's gc prunes the classes' grading caches.
    const gradingCaches = owner === undefined ? await pruneGradingCaches(stateDir()) : [];
    if (args.json) return printJson({ removed: result.removed.map((s) => ({ id: s.id, name: s.name, labels: s.labels })), kept: result.kept, networks, gradingCaches });
    for (const s of result.removed) printLine(`removed ${s.name} (${s.id.slice(0, 12)})`);
    for (const n of networks) printLine(`removed network ${n}`);
    for (const k of gradingCaches) printLine(`removed grading cache ${k} (unused for 30 days)`);
    printLine(`${result.removed.length} leftover sandbox(es) removed, ${result.kept} still in use; ${networks.length} unused network(s) removed`);
  },
};
