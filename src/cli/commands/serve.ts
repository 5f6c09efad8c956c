import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../options.js';
import { printNotice } from '../output.js';

/** `gobox serve`: the shared-host daemon (root, under systemd; see systemd/gobox.service). */
export const serveModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'serve',
  describe: 'Run the shared-host daemon: one socket per user under /run/gobox/u/UID (root only)',
  handler: async () => {
    const { startDaemon } = await import('../../daemon/server.js');
    const daemon = await startDaemon(process.env);
    printNotice(`daemon ready (pid ${process.pid})`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        printNotice(`${sig}: stopping running sandboxes and closing sockets`);
        void daemon.stop().then(resolve, resolve);
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      // Users added to the host or the config, a toolchain repaired: systemctl reload gobox.
      process.on('SIGHUP', () => {
        void daemon.refresh().catch((e: unknown) => printNotice(`reload failed: ${(e as Error).message}`));
        void daemon.verifyToolchains();
      });
    });
  },
};
