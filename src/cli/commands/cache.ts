import type { Argv, CommandModule } from 'yargs';
import { cacheContext, cacheInfo, cacheOwner, clearCacheOf, trimCache, type CacheInfo } from '../../app/cache-admin.js';
import { UsageError } from '../../common/errors.js';
import { formatSize } from '../../common/units.js';
import { parseSizeArg } from '../../cache/index.js';
import { defineCommand, type GlobalArgs } from '../options.js';
import { printJson, printLine, printTable } from '../output.js';

interface CacheArgs extends GlobalArgs {
  user?: number;
  to?: string;
  reset?: boolean;
}

const userOption = (y: Argv) => y.option('user', { type: 'number', describe: "Another user's cache, by uid (root only)" });

async function ownerFor(args: CacheArgs) {
  const owner = await cacheOwner(args.user, true);
  if (!owner) throw new UsageError('as root, name whose cache: --user UID');
  return owner;
}

function row(i: CacheInfo): Record<string, string> {
  const used = i.attached ? formatSize(i.usedBytes) : 'not attached';
  return {
    uid: String(i.uid), volume: i.volume, limit: `${formatSize(i.limitBytes)} ${i.mode}`, used, build: formatSize(i.buildBytes),
    modules: formatSize(i.modBytes), free: i.freeBytes === undefined ? '-' : formatSize(i.freeBytes),
  };
}

export const cacheModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'cache <action>',
  describe: 'Your build and module cache: its use against the quota, trimming and clearing',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(defineCommand({
        command: 'info',
        describe: 'Used and limit, build cache vs module cache (root without --user: every user)',
        builder: userOption,
        handler: async (args: CacheArgs) => {
          // Shared-host mode: the daemon measures this user's cache (src/daemon/route.ts).
          const { daemonSocket } = await import('../../daemon/route.js');
          const viaDaemon = args.user === undefined ? daemonSocket(process.env) : undefined;
          if (viaDaemon) {
            const { cacheInfoViaDaemon } = await import('../../daemon/client.js');
            const info = await cacheInfoViaDaemon(viaDaemon, { cwd: process.cwd(), profile: args.profile, env: process.env });
            if (args.json) return printJson(info);
            return printTable([row(info)], ['uid', 'volume', 'limit', 'used', 'build', 'modules', 'free']);
          }
          const ctx = await cacheContext(args.profile);
          const owner = await cacheOwner(args.user, false);
          const list = await cacheInfo(ctx, owner);
          if (args.json) return printJson(owner ? list[0] : list);
          if (list.length === 0) return printLine('no user has a cache yet');
          printTable(list.map(row), ['uid', 'volume', 'limit', 'used', 'build', 'modules', 'free']);
        },
      }))
      .command(defineCommand({
        command: 'trim',
        describe: 'Delete the oldest build cache entries, then the oldest module versions, down to --to (default 80% of the limit)',
        builder: (b) => userOption(b).option('to', { type: 'string', describe: 'Trim down to this size, e.g. 200m' }),
        handler: async (args: CacheArgs) => {
          // Parsed before the engine is asked, so a typo changes nothing.
          const to = args.to === undefined ? undefined : parseSizeArg(args.to, '--to');
          const owner = await ownerFor(args);
          const r = await trimCache(await cacheContext(args.profile), owner, to);
          if (args.json) return printJson(r);
          printLine(`${r.volume}: ${formatSize(r.beforeBytes)} -> ${formatSize(r.afterBytes)} (target ${formatSize(r.targetBytes)}${r.modulesRemoved ? `, ${r.modulesRemoved} module version(s) removed` : ''})`);
        },
      }))
      .command(defineCommand({
        command: 'clear',
        describe: 'Empty the build and module cache (the volume stays)',
        builder: (b) => userOption(b).option('reset', { type: 'boolean', default: false, describe: 'Root: delete the volume and its image; the next run makes it afresh at the profile size' }),
        handler: async (args: CacheArgs) => {
          const owner = await ownerFor(args);
          await clearCacheOf(await cacheContext(args.profile), owner, Boolean(args.reset));
          if (args.json) return printJson({ uid: owner.uid, cleared: true, reset: Boolean(args.reset) });
          printLine(args.reset ? `cache of uid ${owner.uid} deleted; the next run makes it afresh` : `cache of uid ${owner.uid} cleared`);
        },
      }))
      .demandCommand(1, 'name an action: info, trim or clear') as unknown as Argv<GlobalArgs>,
  handler: () => {},
};
