import type { Argv, CommandModule } from 'yargs';
import { defineCommand, type GlobalArgs } from '../options.js';
import { printJson, printLine, printTable } from '../output.js';
import { createProgress } from '../progress.js';
import { toolchainVerifyCommand } from './toolchain-verify.js';

interface ToolchainArgs extends GlobalArgs {
  dir?: string;
  /** Not `version`: yargs reserves --version for gobox's own. */
  release?: string;
  available?: boolean;
  mirror?: string;
}

export const toolchainModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'toolchain <action>',
  describe: "Go toolchains: the system store every user reads (one read-only copy per version), then the caller's own",
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(defineCommand({
        command: 'list',
        describe: 'Installed toolchains (or, with --available, what the mirror offers)',
        builder: (b) =>
          b.option('available', { type: 'boolean', default: false, describe: 'List versions the Go mirror offers' })
            .option('mirror', { type: 'string', describe: 'Mirror base URL (default: GOBOX_GO_MIRROR, then goMirror in the host config, then the official site)' }),
        handler: async (args: ToolchainArgs) => {
          const { ToolchainStores } = await import('../../toolchain/index.js');
          const store = new ToolchainStores();
          if (args.available) {
            const { chooseMirror } = await import('../../app/toolchain/mirror-choice.js');
            const list = await store.own.available(await chooseMirror(args.mirror));
            if (args.json) return printJson(list);
            return printTable(list.map((v) => ({ version: `go${v.version}`, stable: v.stable ? 'yes' : 'no' })), ['version', 'stable']);
          }
          const list = await store.list();
          if (args.json) return printJson(list);
          if (list.length === 0) return printLine(`no toolchains in ${store.roots.join(' or ')} (gobox toolchain import DIR, or gobox toolchain install VERSION)`);
          printTable(list.map((t) => ({ version: t.name, store: t.store, path: t.path })), ['version', 'store', 'path']);
        },
      }))
      .command(defineCommand({
        command: 'import <dir>',
        describe: 'Copy an existing GOROOT (e.g. /usr/lib/go-1.19) into the store, symlinks dereferenced',
        handler: async (args: ToolchainArgs) => {
          const { ToolchainStores } = await import('../../toolchain/index.js');
          const t = await new ToolchainStores().importDir(String(args.dir), createProgress());
          if (args.json) return printJson(t);
          printLine(`${t.name} at ${t.path}`);
        },
      }))
      .command(defineCommand({
        command: 'install <release>',
        describe: 'Download (sha256-verified) and install a Go release: 1.22.5, go1.22.5, or 1.22 for the newest 1.22.x',
        builder: (b) => b.option('mirror', { type: 'string', describe: 'Mirror base URL (default: GOBOX_GO_MIRROR, then goMirror in the host config, then the official site)' }),
        handler: async (args: ToolchainArgs) => {
          const { ToolchainStores } = await import('../../toolchain/index.js');
          const { chooseMirror } = await import('../../app/toolchain/mirror-choice.js');
          // Ctrl-C or SIGTERM cancels the download and removes the half-made copy before exiting
          // (only SIGKILL leaves a temp dir, which the next store operation clears).
          const abort = new AbortController();
          const cancel = () => abort.abort();
          process.once('SIGINT', cancel);
          process.once('SIGTERM', cancel);
          const t = await new ToolchainStores()
            .install(String(args.release), { mirror: await chooseMirror(args.mirror), progress: createProgress(), signal: abort.signal })
            .finally(() => {
              process.off('SIGINT', cancel);
              process.off('SIGTERM', cancel);
            });
          if (args.json) return printJson(t);
          printLine(`${t.name} at ${t.path}`);
        },
      }))
      .command(defineCommand({
        command: 'remove <release>',
        describe: 'Remove a toolchain (refused while a sandbox uses it)',
        handler: async (args: ToolchainArgs) => {
          const { ToolchainStores } = await import('../../toolchain/index.js');
          const store = new ToolchainStores();
          const { toolchainInUse } = await import('../../app/toolchain/in-use.js');
          await store.remove(String(args.release), { inUse: toolchainInUse });
          if (args.json) return printJson({ removed: String(args.release) });
          printLine(`removed go${String(args.release).replace(/^go/, '')}`);
        },
      }))
      .command(toolchainVerifyCommand)
      .demandCommand(1, 'name an action: list, import DIR, install VERSION, remove VERSION or verify [VERSION...]') as unknown as Argv<GlobalArgs>,
  handler: () => {},
};
