import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_IMAGE } from '../../app/image-recipe.js';
import { LABEL } from '../../common/labels.js';
import { defineCommand, type GlobalArgs } from '../options.js';
import { printJson, printLine } from '../output.js';
import { createProgress } from '../progress.js';

interface ImageArgs extends GlobalArgs {
  offline: boolean;
  online: boolean;
  tag: string;
}

export const imageModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'image <action>',
  describe: 'The sandbox base image',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(defineCommand({
        command: 'build',
        describe: 'Build the base image (offline: debootstrap from Debian packages, needs root)',
        builder: (b) =>
          b
            .option('offline', { type: 'boolean', describe: 'No registry: debootstrap + import' })
            .option('online', { type: 'boolean', describe: 'Use images/Dockerfile (needs a registry)' })
            .option('tag', { type: 'string', default: DEFAULT_IMAGE })
            .conflicts('offline', 'online'),
        handler: async (args: ImageArgs) => {
          const [{ buildImage }, { recipeHash }, { connectEngine }] = await Promise.all([import('../../app/image.js'), import('../../app/image-recipe.js'), import('../../engine/index.js')]);
          const engine = await connectEngine();
          await buildImage(engine, args.tag, args.offline ? 'offline' : args.online ? 'online' : 'auto', createProgress());
          if (args.json) printJson({ image: args.tag, recipe: await recipeHash() });
        },
      }))
      .command(defineCommand({
        command: 'status',
        describe: 'Whether the base image exists and matches the recipe',
        builder: (b) => b.option('tag', { type: 'string', default: DEFAULT_IMAGE }),
        handler: async (args: ImageArgs) => {
          const [{ recipeHash }, { connectEngine }] = await Promise.all([import('../../app/image-recipe.js'), import('../../engine/index.js')]);
          const engine = await connectEngine();
          const labels = await engine.imageLabels(args.tag);
          const want = await recipeHash();
          const status = { image: args.tag, present: labels !== undefined, recipe: labels?.[LABEL.recipe], current: labels?.[LABEL.recipe] === want };
          if (args.json) return printJson(status);
          printLine(!status.present ? `${args.tag}: missing (gobox image build)` : status.current ? `${args.tag}: present, current recipe` : `${args.tag}: present, older recipe (rebuild: gobox image build)`);
        },
      }))
      .demandCommand(1, 'name an action: build or status') as unknown as Argv<GlobalArgs>,
  handler: () => {},
};
