import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../options.js';
import { runInSandbox } from './run.js';

export const shellModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'shell',
  describe: 'Interactive shell in the same sandbox a run gets (TTY when gobox has one)',
  handler: async (args) => {
    // Not a login shell: /etc/profile would reset PATH and drop the toolchain from it.
    await runInSandbox(args, ['bash']);
  },
};
