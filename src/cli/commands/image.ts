import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_IMAGE } from '../../app/image/recipe.js';
import { LABEL } from '../../common/labels.js';
import { defineCommand, type AnyArgv, type GlobalArgs } from '../options.js';
import { printJson, printLine } from '../output.js';
import { createProgress } from '../progress.js';

/** The engine, loaded only when an action needs it (as every command loads its modules). */
async function connectEngine() {
  const engine = await import('../../engine/index.js');
  return engine.connectEngine();
}

interface ImageArgs extends GlobalArgs {
  offline: boolean;
  online: boolean;
  tag: string;
}

/** An action of `gobox image`: each works on one image, gobox's own unless --tag names another. */
function imageAction(command: string, describe: string, handler: (args: ImageArgs) => Promise<void>, options = (b: AnyArgv) => b) {
  return defineCommand({ command, describe, handler, builder: (b) => options(b.option('tag', { type: 'string', default: DEFAULT_IMAGE, describe: 'The image' })) });
}

async function build(args: ImageArgs): Promise<void> {
  const { buildImage, exportForRootless, recipeHash } = await import('../../app/image/index.js');
  const engine = await connectEngine();
  const progress = createProgress();
  await buildImage(engine, args.tag, args.offline ? 'offline' : args.online ? 'online' : 'auto', progress);
  // Root's build also serves rootless users: they load this archive on first use.
  const archive = process.getuid?.() === 0 ? await exportForRootless(engine, args.tag, progress) : undefined;
  if (args.json) printJson({ image: args.tag, recipe: await recipeHash(), ...(archive ? { archive } : {}) });
}

async function status(args: ImageArgs): Promise<void> {
  const { recipeHash } = await import('../../app/image/index.js');
  const [labels, want] = await Promise.all([connectEngine().then((e) => e.imageLabels(args.tag)), recipeHash()]);
  const s = { image: args.tag, present: labels !== undefined, recipe: labels?.[LABEL.recipe], current: labels?.[LABEL.recipe] === want };
  if (args.json) return printJson(s);
  printLine(!s.present ? `${args.tag}: missing (gobox image build)` : s.current ? `${args.tag}: present, current recipe` : `${args.tag}: present, older recipe (rebuild: gobox image build)`);
}

async function exportArchive(args: ImageArgs): Promise<void> {
  const { exportForRootless } = await import('../../app/image/index.js');
  const archive = await exportForRootless(await connectEngine(), args.tag, createProgress());
  if (args.json) return printJson({ image: args.tag, archive });
  printLine(archive);
}

export const imageModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'image <action>',
  describe: 'The sandbox base image',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(imageAction('build', 'Build the base image (offline: debootstrap from Debian packages, needs root)', build, (b) =>
        b
          .option('offline', { type: 'boolean', describe: 'No registry: debootstrap + import' })
          .option('online', { type: 'boolean', describe: 'Use images/Dockerfile (needs a registry)' })
          .conflicts('offline', 'online')))
      .command(imageAction('status', 'Whether the base image exists and matches the recipe', status))
      .command(imageAction('export', 'Write the base image (built first if missing) as the archive rootless engines load (run as root)', exportArchive))
      .demandCommand(1, 'name an action: build, export or status') as unknown as Argv<GlobalArgs>,
  handler: () => {},
};
