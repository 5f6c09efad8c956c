import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../options.js';
import { printJson, printLine } from '../output.js';

export const gcModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'gc',
  describe: 'Remove sandboxes left behind by gobox processes that died',
  handler: async (args) => {
    const [{ sweepLeftovers }, { connectEngine }] = await Promise.all([import('../../app/gc.js'), import('../../engine/index.js')]);
    const engine = await connectEngine();
    // Root sweeps everybody's leftovers; a user sweeps only their own.
    const uid = process.getuid?.() ?? 0;
    const result = await sweepLeftovers(engine, uid === 0 ? undefined : uid);
    if (args.json) return printJson({ removed: result.removed.map((s) => ({ id: s.id, name: s.name, labels: s.labels })), kept: result.kept });
    for (const s of result.removed) printLine(`removed ${s.name} (${s.id.slice(0, 12)})`);
    printLine(`${result.removed.length} leftover sandbox(es) removed, ${result.kept} still in use`);
  },
};
