import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { ClassCommand } from '../../app/class/index.js';
import { UsageError } from '../../common/errors.js';
import { stateDir } from '../../common/paths.js';
import { defineCommand, servingDaemon, type AnyArgv, type GlobalArgs } from '../options.js';
import { printNotice } from '../output.js';
import { createProgress } from '../progress.js';

interface ClassArgs extends GlobalArgs {
  name?: string;
  roster?: string;
  tests?: string;
  jobs?: number;
  timeout?: string;
  network?: 'none' | 'open' | 'proxy';
  gradingUid?: string;
  update?: boolean;
  resume?: string;
  format?: string;
  run?: string;
  out?: string;
  _: (string | number)[];
}

/** "2001" or "2001:2001": the uid (and gid) that runs submissions without an account. */
function gradingUser(text: string | undefined): { uid: number; gid: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw new UsageError(`--grading-uid ${text}: expected UID or UID:GID`);
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}

/** The flags as a ClassCommand; paths absolute, the roster read here (by the teacher, who can read it). */
async function commandOf(action: ClassCommand['action'], a: ClassArgs): Promise<ClassCommand> {
  const rosterText = a.roster === undefined ? undefined : await fs.readFile(a.roster, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`--roster ${a.roster}: cannot read: ${e.code ?? e.message}`);
  });
  const command = action === 'run' ? a._.slice(2).map(String) : undefined;
  const resume = a.resume === undefined ? undefined : a.resume === '' ? true : String(a.resume);
  if (action === 'run' && resume === undefined && command!.length === 0) throw new UsageError('no test command given', { hint: `example: gobox class run ${a.name} -- go test ./...` });
  if (action === 'run' && resume !== undefined && command!.length > 0) throw new UsageError("--resume runs the stopped run's own command; give no command with it");
  return {
    action, name: a.name, json: a.json, profile: a.profile, rosterText,
    rosterFile: a.roster === undefined ? undefined : path.resolve(a.roster),
    tests: a.tests === undefined ? undefined : path.resolve(a.tests),
    jobs: a.jobs, timeout: a.timeout, network: a.network, gradingUser: gradingUser(a.gradingUid), update: a.update,
    command, resume, format: a.format, run: a.run,
  };
}

/** Through the daemon on a shared host, else here; then stdout, notices, and gradescope's files. */
async function execute(action: ClassCommand['action'], a: ClassArgs): Promise<void> {
  const c = await commandOf(action, a);
  const progress = createProgress();
  const viaDaemon = await servingDaemon();
  let out;
  if (viaDaemon) {
    const { classViaDaemon } = await import('../daemon-client.js');
    out = await classViaDaemon(viaDaemon, c, process.env, (t) => progress.notice(t));
  } else {
    const app = await import('../../app/class/index.js');
    out = await app.classCommand(c, { stateDir: stateDir(), env: process.env, host: app.hostRoster, progress });
  }
  for (const n of out.notices) printNotice(n);
  if (c.format === 'gradescope' && a.out !== undefined) {
    const perStudent = JSON.parse(out.stdout) as Record<string, unknown>;
    for (const [id, doc] of Object.entries(perStudent)) {
      await fs.mkdir(path.join(a.out, id), { recursive: true });
      await fs.writeFile(path.join(a.out, id, 'results.json'), `${JSON.stringify(doc, null, 2)}\n`);
    }
    return printNotice(`wrote ${Object.keys(perStudent).length} results.json file(s) under ${a.out}`);
  }
  process.stdout.write(out.stdout);
}

const grading = (y: AnyArgv) =>
  y
    .option('tests', { type: 'string', describe: "The teacher's hidden tests dir" })
    .option('jobs', { type: 'number', describe: 'Students graded at once (default: cores)' })
    .option('timeout', { type: 'string', describe: "Each student's wall clock (default 2m)" })
    .option('network', { choices: ['none', 'open', 'proxy'] as const, describe: 'Grading network (default none)' });

const sub = (action: ClassCommand['action'], command: string, describe: string, builder: (y: AnyArgv) => AnyArgv) =>
  defineCommand<ClassArgs>({ command, describe, builder: (y) => builder(y.positional('name', { type: 'string', describe: 'Class name, e.g. go101' })), handler: (a) => execute(action, a) });

export const classModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'class <action>',
  describe: 'Classroom: a roster, a sandbox per student, class-wide test runs and results',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(sub('init', 'init <name>', 'Create a class from a roster CSV (id,user,name,email,dir), or re-read it with --update', (b) =>
        grading(b)
          .option('roster', { type: 'string', demandOption: true, describe: 'Roster CSV file' })
          .option('grading-uid', { type: 'string', describe: 'UID[:GID] that runs submissions without a unix user' })
          .option('update', { type: 'boolean', default: false, describe: 'Re-read the roster of an existing class; its runs stay' })))
      .command(sub('list', 'list [name]', 'Classes, or one class: its students, cache use against the quota, last status', (b) => b))
      .command(sub('run', 'run <name>', 'Grade every student: run NAME [--tests DIR] [--jobs N] [--timeout 2m] -- go test ./...', (b) =>
        grading(b).option('resume', { type: 'string', describe: 'Finish a stopped run (its id; empty: the newest), grading only students without a result' })))
      .command(sub('results', 'results <name>', 'A run\'s results: --format table|json|csv|junit|gradescope|markdown [--run ID]', (b) =>
        b
          .option('format', { type: 'string', describe: 'table (default), json, csv, junit, gradescope or markdown' })
          .option('run', { type: 'string', describe: 'Run id (default: the newest)' })
          .option('out', { type: 'string', describe: 'gradescope: write OUT/<student>/results.json' })))
      .command(sub('status', 'status <name>', 'Who is being graded now, and the disk each student uses', (b) => b))
      .demandCommand(1),
  handler: () => {},
};
