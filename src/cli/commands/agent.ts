import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../options.js';

/** `gobox agent`: the user's warm background gobox (agent/server.ts); `gobox run` starts it by itself. */
export const agentModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'agent',
  describe: 'Serve your own runs from a warm process (started by `gobox run`; exits when idle; GOBOX_AGENT=off turns it off)',
  handler: async () => {
    const { serveAgent } = await import('../../agent/server.js');
    const { daemonSocket } = await import('../../daemon/route.js');
    // A call the shim's client brings for a user a daemon serves goes back to the Node client, which goes there.
    await serveAgent(process.env, (env) => daemonSocket(env) !== undefined);
  },
};
