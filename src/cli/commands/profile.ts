import type { Argv, CommandModule } from 'yargs';
/** Loaded when a command runs, not for every gobox invocation. */
const profiles = () => import('../../config/profiles.js');
import { defineCommand, type GlobalArgs } from '../options.js';
import { printJson, printLine, printTable } from '../output.js';

interface ProfileArgs extends GlobalArgs {
  name?: string;
  file?: string;
}

export const profileModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'profile <action>',
  describe: 'List, show and validate sandbox profiles',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(defineCommand({
        command: 'list',
        describe: 'Profiles visible to you (built-in, system, user)',
        handler: async (args: ProfileArgs) => {
          const all = await (await profiles()).listProfiles();
          const rows = await Promise.all(
            all.map(async (p) => {
              const loaded = await (await profiles()).loadProfile(p.name).catch((e: Error) => ({ profile: undefined, error: e.message }));
              return { name: p.name, layer: p.layer, file: p.file, description: loaded.profile?.description ?? `INVALID: ${'error' in loaded ? loaded.error : ''}` };
            }),
          );
          if (args.json) return printJson(rows);
          printTable(rows, ['name', 'layer', 'description', 'file']);
        },
      }))
      .command(defineCommand({
        command: 'show <name>',
        describe: 'The effective profile, with every default filled in',
        handler: async (args: ProfileArgs) => {
          const p = await (await profiles()).loadProfile(String(args.name));
          if (args.json) return printJson({ name: p.name, file: p.file, layer: p.layer, profile: p.profile });
          printLine(`# ${p.name} from ${p.file} (${p.layer})`);
          process.stdout.write((await import('../../common/yaml.js')).stringify(p.profile));
        },
      }))
      .command(defineCommand({
        command: 'validate <file>',
        describe: 'Check a profile file; prints the file, field and what was expected on error',
        handler: async (args: ProfileArgs) => {
          const profile = await (await profiles()).validateProfileFile(String(args.file));
          if (args.json) return printJson({ file: args.file, valid: true, profile });
          printLine(`${args.file}: valid`);
        },
      }))
      .demandCommand(1, 'name an action: list, show NAME or validate FILE') as unknown as Argv<GlobalArgs>,
  handler: () => {},
};
