import type { Argv, CommandModule } from 'yargs';
import type { CacheInfo } from '../../app/cache/index.js';

/** Loaded when a command runs: `gobox --version` and the other commands do not pay for the engine's modules. */
const app = () => import('../../app/cache/index.js');
import { UsageError } from '../../common/errors.js';
import { formatSize } from '../../common/units.js';
import { defineCommand, servingDaemon, type GlobalArgs } from '../options.js';
import { printJson, printLine, printTable } from '../output.js';

interface CacheArgs extends GlobalArgs {
  user?: number;
  to?: string;
  reset?: boolean;
}

const userOption = (y: Argv) => y.option('user', { type: 'number', describe: "Another user's cache, by uid (root only)" });

async function ownerFor(args: CacheArgs) {
  const owner = await (await app()).cacheOwner(args.user, true);
  if (!owner) throw new UsageError('as root, name whose cache: --user UID');
  return owner;
}

/** Shared-host mode: the daemon acts on this user's own cache (src/daemon/route.ts); --user is root's, and direct. */
async function daemonFor(args: CacheArgs): Promise<string | undefined> {
  return args.user === undefined ? servingDaemon() : undefined;
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
          const viaDaemon = await daemonFor(args);
          if (viaDaemon) {
            const { cacheInfoViaDaemon } = await import('../daemon-client.js');
            const info = await cacheInfoViaDaemon(viaDaemon, { cwd: process.cwd(), profile: args.profile, env: process.env });
            if (args.json) return printJson(info);
            return printTable([row(info)], ['uid', 'volume', 'limit', 'used', 'build', 'modules', 'free']);
          }
          const ctx = await (await app()).cacheContext(args.profile);
          const owner = await (await app()).cacheOwner(args.user, false);
          const list = await (await app()).cacheInfo(ctx, owner);
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
          const to = args.to === undefined ? undefined : (await import('../../cache/index.js')).parseSizeArg(args.to, '--to');
          const viaDaemon = await daemonFor(args);
          const r = viaDaemon
            ? await (await import('../daemon-client.js')).cacheTrimViaDaemon(viaDaemon, { cwd: process.cwd(), profile: args.profile, env: process.env }, to)
            : await (await app()).trimCache(await (await app()).cacheContext(args.profile), await ownerFor(args), to);
          if (args.json) return printJson(r);
          printLine(`${r.volume}: ${formatSize(r.beforeBytes)} -> ${formatSize(r.afterBytes)} (target ${formatSize(r.targetBytes)}${r.modulesRemoved ? `, ${r.modulesRemoved} module version(s) removed` : ''})`);
        },
      }))
      .command(defineCommand({
        command: 'clear',
        describe: 'Empty the build and module cache (the volume stays)',
        builder: (b) => userOption(b).option('reset', { type: 'boolean', default: false, describe: 'Root: delete the volume and its image; the next run makes it afresh at the profile size' }),
        handler: async (args: CacheArgs) => {
          const viaDaemon = await daemonFor(args);
          if (viaDaemon && args.reset) throw new UsageError('only root may reset a cache (--reset deletes the volume and its image)', { hint: 'gobox cache clear empties it' });
          let owner: { uid: number };
          if (viaDaemon) {
            owner = await (await import('../daemon-client.js')).cacheClearViaDaemon(viaDaemon, { cwd: process.cwd(), profile: args.profile, env: process.env });
          } else {
            const own = (owner = await ownerFor(args));
            await (await app()).clearCacheOf(await (await app()).cacheContext(args.profile), own, Boolean(args.reset));
          }
          if (args.json) return printJson({ uid: owner.uid, cleared: true, reset: Boolean(args.reset) });
          printLine(args.reset ? `cache of uid ${owner.uid} deleted; the next run makes it afresh` : `cache of uid ${owner.uid} cleared`);
        },
      }))
      .demandCommand(1, 'name an action: info, trim or clear') as unknown as Argv<GlobalArgs>,
  handler: () => {},
};
