import type { CommandModule } from 'yargs';
import type { EnvReport } from '../../app/run/index.js';
import { servingDaemon, type GlobalArgs } from '../options.js';
import { printJson, printLine } from '../output.js';
import { createProgress } from '../progress.js';

export const envModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'env',
  describe: 'Show the environment a sandbox gets here, and where each value came from',
  handler: async (args) => {
    const viaDaemon = await servingDaemon();
    if (viaDaemon) {
      const { envViaDaemon } = await import('../daemon-client.js');
      const r = await envViaDaemon(viaDaemon, { cwd: process.cwd(), profile: args.profile, go: args.go, env: process.env });
      return printReport(r, args.json, `via the gobox daemon (${viaDaemon}): `);
    }
    const { envReport, prepareRun } = await import('../../app/run/index.js');
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
    printReport(envReport(prepared), args.json, '');
  },
};

function printReport(r: EnvReport, json: boolean, via: string): void {
  if (json) return printJson({ ...r.meta, env: r.env });
  const m = r.meta;
  printLine(`# ${via}profile ${m.profile.name} (${m.profile.file})`);
  printLine(`# project ${m.project}, user ${m.user}, cache volume ${m.cacheVolume}, network ${m.network}`);
  printLine(`# toolchain ${m.toolchain.version} from ${m.toolchain.source}: ${m.toolchain.detail}`);
  for (const key of Object.keys(r.env).sort()) printLine(`${key}=${JSON.stringify(r.env[key]!.value)}  # ${r.env[key]!.source}`);
}
