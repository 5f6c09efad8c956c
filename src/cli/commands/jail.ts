import type { Argv, CommandModule } from 'yargs';
import { CommandExit, UsageError } from '../../common/errors.js';
import { defineCommand, servingDaemon, type GlobalArgs } from '../options.js';
import { printJson, printLine, printNotice } from '../output.js';
import { createProgress } from '../progress.js';
import type { JailCall } from '../jail-daemon.js';

interface JailArgs extends GlobalArgs {
  _: (string | number)[];
  out?: string;
  provenance?: string;
  source?: string;
}

/** Steps on a terminal; in a pipe or a log only what went wrong, so a refusal is one line. */
function progressFor(args: GlobalArgs) {
  return createProgress(process.stderr, !args.verbose && !process.stderr.isTTY);
}

/** On a shared host the daemon builds as the caller (src/daemon/jail-ops.ts); `jail run` stays a direct-mode tool. */
async function daemonCall(args: JailArgs): Promise<JailCall | undefined> {
  const socket = await servingDaemon();
  return socket ? { socket, profile: args.profile, go: args.go, env: process.env } : undefined;
}

interface Built { outDir: string; provenanceFile: string; envelopeFile: string | undefined; subjects: { name: string; digest: Record<string, string> }[] }

function printBuild(args: JailArgs, r: Built): void {
  if (args.json) return printJson({ outDir: r.outDir, provenance: r.provenanceFile, envelope: r.envelopeFile ?? null, subjects: r.subjects });
  for (const s of r.subjects) printLine(`${s.digest.sha256}  ${s.name}`);
  printLine(`provenance: ${r.provenanceFile}`);
  if (r.envelopeFile) printLine(`signed: ${r.envelopeFile}`);
}

export const jailModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'jail <action>',
  describe: 'Reproducible release builds: offline, read-only source, SLSA v1 provenance, verify by rebuild',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .command(defineCommand({
        command: 'fetch',
        describe: 'With network: fill your module cache for this module (go mod download), verified against go.sum',
        handler: async (args: JailArgs) => {
          const via = await daemonCall(args);
          const { jailFetch } = await import('../../app/jail/index.js');
          const { fetchViaDaemon } = await import('../jail-daemon.js');
          await jailFetch({
            cwd: process.cwd(), profile: args.profile, go: args.go, env: process.env, progress: progressFor(args), stderr: process.stderr,
            ...(via ? { run: (io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }) => fetchViaDaemon(via, process.cwd(), io) } : {}),
          });
          if (args.json) printJson({ fetched: true });
        },
      }))
      .command(defineCommand({
        command: 'build',
        describe: 'Offline build in a jail; outputs and provenance.json in the out dir. Go build flags and packages go after --',
        builder: (b) => b.usage('$0 jail build [-o DIR] [-- GO_BUILD_FLAGS PACKAGES]').option('out', { alias: 'o', type: 'string', default: 'out', describe: 'Out dir for binaries and provenance.json' }),
        handler: async (args: JailArgs) => {
          const via = await daemonCall(args);
          const { jailBuild, parseBuildArgs } = await import('../../app/jail/index.js');
          const words = args._.slice(2).map(String);
          if (via) {
            const { buildViaDaemon } = await import('../jail-daemon.js');
            const r = await buildViaDaemon(via, process.cwd(), args.out ?? 'out', parseBuildArgs(words), process.stderr);
            return printBuild(args, { outDir: r.outDir, provenanceFile: r.provenanceFile, envelopeFile: r.envelopeFile ?? undefined, subjects: r.subjects });
          }
          const r = await jailBuild({
            cwd: process.cwd(), outDir: args.out ?? 'out', args: parseBuildArgs(words), profile: args.profile, go: args.go,
            env: process.env, progress: progressFor(args), stderr: process.stderr,
          });
          printBuild(args, { outDir: r.outDir, provenanceFile: r.provenanceFile, envelopeFile: r.envelopeFile, subjects: r.provenance.subject });
        },
      }))
      .command(defineCommand({
        command: 'verify <provenance>',
        describe: 'Rebuild in a fresh jail at another path and compare every output byte for byte',
        builder: (b) => b.option('source', { type: 'string', describe: 'The source that was built (default: the current directory)' }),
        handler: async (args: JailArgs) => {
          const via = await daemonCall(args);
          const { jailVerify } = await import('../../app/jail/index.js');
          const { verifyVia } = await import('../jail-daemon.js');
          const report = await jailVerify({
            provenanceFile: String(args.provenance), source: args.source, cwd: process.cwd(), profile: args.profile,
            env: process.env, progress: progressFor(args), stderr: process.stderr,
            ...(via ? { via: verifyVia(via, process.stderr) } : {}),
          });
          if (args.json) printJson(report);
          else {
            for (const p of report.problems) printLine(`problem: ${p}`);
            printLine(`rebuilt as uid ${report.rebuiltAs.uid} in a fresh jail`);
            if (report.signature.keyids.length) printLine(`signature ok: key ${report.signature.keyids.join(', ')}`);
            for (const s of report.subjects) {
              printLine(`${s.match ? 'ok' : 'MISMATCH'}  ${s.name}  ${s.recorded}`);
              for (const c of s.causes) printLine(`  ${c}`);
            }
            for (const e of report.extra) printLine(`EXTRA  ${e} (the rebuild made it; the provenance does not list it)`);
          }
          if (!report.ok) throw new CommandExit(1, `verify failed: the rebuild does not reproduce ${report.provenance}`);
        },
      }))
      .command(defineCommand({
        command: 'run',
        describe: 'Run any command under the jail contract (no network, read-only source and module cache), to see what a build sees',
        builder: (b) => b.usage('$0 jail run -- COMMAND [ARGS...]'),
        handler: async (args: JailArgs) => {
          if (await servingDaemon()) throw new UsageError('gobox jail run is not served through the shared-host daemon', { hint: 'gobox jail build and verify are; to look around a jail, use an engine you can reach' });
          const command = args._.slice(2).map(String);
          if (!command[0]) throw new UsageError('no command given', { hint: 'example: gobox jail run -- go env' });
          const { runInJail } = await import('../../app/jail/index.js');
          const outcome = await runInJail({
            cwd: process.cwd(), command, profile: args.profile, go: args.go, env: process.env, progress: progressFor(args),
            io: { stdout: process.stdout, stderr: process.stderr },
          });
          if (outcome.message) printNotice(outcome.message);
          for (const n of outcome.notices) printNotice(n);
          process.exitCode = outcome.exitCode;
        },
      }))
      .demandCommand(1, 'name an action: fetch, build, verify PROVENANCE or run -- COMMAND') as unknown as Argv<GlobalArgs>,
  handler: () => {},
};
