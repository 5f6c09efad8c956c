import type { Argv, CommandModule } from 'yargs';
import { PolicyError, UsageError } from '../../common/errors.js';
import { formatDuration, formatSize } from '../../common/units.js';
import { defineCommand, type GlobalArgs } from '../options.js';
import { printJson, printLine, printTable } from '../output.js';

interface AdminArgs extends GlobalArgs {
  id?: string;
  user?: string;
  lines?: number;
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new PolicyError('gobox admin is for root', { hint: 'run it with sudo' });
}

async function engine() {
  requireRoot();
  const { connectHostEngine } = await import('../../app/run/host-engine.js');
  return connectHostEngine();
}

const size = (n: number | undefined) => (n === undefined ? '-' : formatSize(n));

/** `gobox admin`: what every user's sandboxes and caches are doing, for root. */
export const adminModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'admin <action>',
  describe: 'Administer a shared host: running sandboxes, kills, cache quotas, the audit log (root)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(defineCommand({
        command: 'ps',
        describe: 'Every running sandbox: user, profile, command, age, memory, CPU, cache use',
        handler: async (args: AdminArgs) => {
          const { adminPs } = await import('../../daemon/admin.js');
          const rows = await adminPs(await engine());
          if (args.json) return printJson(rows);
          if (rows.length === 0) return printLine('no sandboxes running');
          printTable(rows.map((r) => ({
            id: r.id, user: r.user, profile: r.profile, command: r.command, age: formatDuration(r.ageSeconds * 1000),
            memory: size(r.memoryBytes), cpu: r.cpuSeconds === undefined ? '-' : `${r.cpuSeconds.toFixed(1)}s`, cache: size(r.cacheBytes), via: r.via,
          })), ['id', 'user', 'profile', 'command', 'age', 'memory', 'cpu', 'cache', 'via']);
        },
      }))
      .command(defineCommand({
        command: 'kill [id]',
        describe: 'Stop and remove one sandbox (by its name or an id prefix that matches only it) or all of a user\'s (--user)',
        builder: (b) => b.positional('id', { type: 'string' }).option('user', { type: 'string', describe: 'User name or uid' }),
        handler: async (args: AdminArgs) => {
          if (!args.id === !args.user) throw new UsageError('name a sandbox id or --user USER (not both)', { hint: 'see: gobox admin ps' });
          const { adminKill } = await import('../../daemon/admin.js');
          const killed = await adminKill(await engine(), { ...(args.id ? { id: args.id } : {}), ...(args.user ? { user: args.user } : {}) });
          if (args.json) return printJson({ killed });
          for (const id of killed) printLine(`killed ${id}`);
          printLine(`${killed.length} sandbox(es) killed`);
        },
      }))
      .command(defineCommand({
        command: 'quota',
        describe: 'Every user\'s cache use against its limit',
        handler: async (args: AdminArgs) => {
          const { adminQuota } = await import('../../daemon/admin.js');
          const { cacheContext } = await import('../../app/cache/admin.js');
          requireRoot();
          // The default profile's image measures a cluster's claims, as `gobox cache info` does.
          const ctx = await cacheContext(undefined);
          const rows = await adminQuota(ctx.engine, ctx.image);
          if (args.json) return printJson(rows);
          if (rows.length === 0) return printLine('no cache volumes');
          printTable(rows.map((r) => ({
            user: r.user, uid: r.uid, volume: r.volume, mode: r.mode, used: size(r.usedBytes), limit: size(r.limitBytes),
            use: r.usedBytes !== undefined && r.limitBytes ? `${Math.round((100 * r.usedBytes) / r.limitBytes)}%` : '-',
          })), ['user', 'uid', 'volume', 'mode', 'used', 'limit', 'use']);
        },
      }))
      .command(defineCommand({
        command: 'audit',
        describe: 'The audit log: every daemon sandbox start and end (JSON lines)',
        builder: (b) => b.option('lines', { alias: 'n', type: 'number', default: 50, describe: 'How many of the last entries' }),
        handler: async (args: AdminArgs) => {
          requireRoot();
          const { readAudit } = await import('../../daemon/audit-read.js');
          const entries = await readAudit(process.env, args.lines ?? 50);
          if (args.json) return printJson(entries);
          for (const e of entries) printLine(JSON.stringify(e));
        },
      }))
      .demandCommand(1, 'name an action: ps, kill, quota or audit'),
  handler: () => {},
};
