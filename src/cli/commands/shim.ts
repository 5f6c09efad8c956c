import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import type { ShimStatus } from '../../app/shim/index.js';

/** Loaded when a shim command runs, not for every gobox invocation. */
const app = () => import('../../app/shim/index.js');
import { defineCommand, type GlobalArgs } from '../options.js';
import { printJson, printLine, printNotice } from '../output.js';
import { createProgress } from '../progress.js';
import { silentProgress } from '../../common/progress.js';

interface ShimArgs extends GlobalArgs {
  system?: boolean;
  dir?: string;
}

/** dist/cli/shim-bin.js, which every shim execs with node. */
const ENTRY = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'shim-bin.js');
const systemOption = (y: Argv) => y.option('system', { type: 'boolean', default: false, describe: 'For every user: /usr/local/lib/gobox/bin and /etc/profile.d/gobox.sh (root)' });

const REACH: Record<string, string> = { shim: 'reaches the shim', bypass: 'BYPASSES the shim', none: 'finds no go', unknown: 'unknown' };

function printStatus(s: ShimStatus): void {
  if (!s.installed.length) printLine('shims: not installed (gobox shim install)');
  for (const i of s.installed) {
    printLine(`${i.scope} shims in ${i.dir} (record ${i.record})`);
    for (const f of i.files) printLine(`  ${f.path}: ${f.state}`);
  }
  printLine(`this shell: ${s.current.go ? `go is ${s.current.go}, ${REACH[s.current.reach]}` : 'no go on PATH'}${s.off ? ' (GOBOX_SHIM=off: shims run the host go)' : ''}`);
  printLine('entry paths:');
  for (const e of s.entries) {
    printLine(`  ${e.name}: ${REACH[e.reach]}${e.go ? ` (${e.go})` : ''}`);
    printLine(`    read: ${e.how}`);
    if (e.fix) printLine(`    fix: ${e.fix}`);
  }
}

export const shimModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'shim <action>',
  describe: 'go and gofmt shims first on PATH, so a plain `go build` runs sandboxed',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(defineCommand({
        command: 'install',
        describe: 'Write the go and gofmt shims (~/.local/bin, --dir DIR, or --system for every user)',
        builder: (y2) => systemOption(y2).option('dir', { type: 'string', describe: 'Directory for the shims (default ~/.local/bin)' }),
        handler: async (args: ShimArgs) => {
          const shims = await app();
          const o = { scope: args.system ? ('system' as const) : ('user' as const), dir: args.dir, env: process.env, node: process.execPath, entry: ENTRY };
          // Bad input is said before the client is built.
          shims.checkInstall(o);
          const client = await shims.shimClient(process.env, args.json ? silentProgress : createProgress());
          const r = shims.installShims({ ...o, client: 'bytes' in client ? client.bytes : undefined });
          if (args.json) return printJson({ ...r, client: 'bytes' in client ? { installed: true } : { installed: false, why: client.unavailable } });
          if ('unavailable' in client && client.unavailable !== 'GOBOX_SHIM_CLIENT=off') printNotice(`the shims go through Node, without their quick client (${client.unavailable})`);
          printLine(`installed ${r.record.files.map((f) => f.path).join(', ')}`);
          if (r.record.scope === 'system') printNotice(`login shells get ${r.record.dir} first on PATH from the next login; gobox shim status shows the other entry paths`);
          else if (r.pathLine) printNotice(`${r.record.dir} is not on your PATH; add this line to ~/.profile and ~/.bashrc (for ssh commands: at the top of ~/.bashrc): ${r.pathLine}`);
        },
      }))
      .command(defineCommand({
        command: 'remove',
        describe: 'Remove exactly what `gobox shim install` wrote',
        builder: systemOption,
        handler: async (args: ShimArgs) => {
          const r = (await app()).removeShims(args.system ? 'system' : 'user', process.env);
          if (args.json) return printJson(r);
          if (r.nothing) return printLine(`nothing to remove: gobox installed no ${args.system ? 'system ' : ''}shims (no record at ${r.record})`);
          printLine(r.removed.length ? `removed ${r.removed.join(', ')}` : 'nothing left to remove');
          for (const k of r.kept) printNotice(`kept ${k.path}: ${k.why}`);
        },
      }))
      .command(defineCommand({
        command: 'status',
        describe: 'Which ways of starting go (login, bash, ssh, systemd, IDE) reach the shim',
        handler: async (args: ShimArgs) => {
          const s = await (await app()).shimStatus(process.env);
          if (args.json) return printJson(s);
          printStatus(s);
        },
      }))
      .demandCommand(1, 'name an action: install, remove or status'),
  handler: () => {},
};
