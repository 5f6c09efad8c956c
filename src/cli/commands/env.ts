import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../options.js';
import { printJson, printLine } from '../output.js';
import { createProgress } from '../progress.js';

export const envModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'env',
  describe: 'Show the environment a sandbox gets here, and where each value came from',
  handler: async (args) => {
    // Shared-host mode: the daemon answers when this user has a socket dir (src/daemon/route.ts).
    const { daemonSocket } = await import('../../daemon/route.js');
    const viaDaemon = daemonSocket(process.env);
    if (viaDaemon) {
      const { envViaDaemon } = await import('../../daemon/client.js');
      const r = await envViaDaemon(viaDaemon, { cwd: process.cwd(), profile: args.profile, go: args.go, env: process.env });
      if (args.json) return printJson({ ...r.meta, env: r.env });
      printLine(`# via the gobox daemon (${viaDaemon}): profile ${r.meta.profile.name} (${r.meta.profile.file})`);
      printLine(`# project ${r.meta.project}, user ${r.meta.user}, cache volume ${r.meta.cacheVolume}, network ${r.meta.network}`);
      printLine(`# toolchain ${r.meta.toolchain.version} from ${r.meta.toolchain.source}: ${r.meta.toolchain.detail}`);
      for (const key of Object.keys(r.env).sort()) printLine(`${key}=${JSON.stringify(r.env[key]!.value)}  # ${r.env[key]!.source}`);
      return;
    }
    const { describeEnv, prepareRun } = await import('../../app/prepare.js');
    const prepared = await prepareRun({
      command: ['go', 'env'],
      cwd: process.cwd(),
      profile: args.profile,
      go: args.go,
      env: process.env,
      tty: false,
      stdin: false,
      progress: createProgress(),
    });
    const env = describeEnv(prepared);
    const meta = {
      profile: { name: prepared.loaded.name, file: prepared.loaded.file },
      project: prepared.project.root,
      toolchain: { version: `go${prepared.toolchain.version}`, path: prepared.toolchain.path, source: prepared.toolchain.source, detail: prepared.toolchain.detail },
      user: `${prepared.user.uid}:${prepared.user.gid}`,
      cacheVolume: prepared.inputs.cacheVolume,
      network: prepared.loaded.profile.network,
    };
    if (args.json) return printJson({ ...meta, env });
    printLine(`# profile ${meta.profile.name} (${meta.profile.file})`);
    printLine(`# project ${meta.project}, user ${meta.user}, cache volume ${meta.cacheVolume}, network ${meta.network}`);
    printLine(`# toolchain ${meta.toolchain.version} from ${meta.toolchain.source}: ${meta.toolchain.detail}`);
    for (const key of Object.keys(env).sort()) {
      const v = env[key]!;
      printLine(`${key}=${JSON.stringify(v.value)}  # ${v.source}`);
    }
  },
};
