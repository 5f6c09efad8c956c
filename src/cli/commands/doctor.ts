import type { CommandModule } from 'yargs';
import { servingDaemon, type GlobalArgs } from '../options.js';
import { printJson, printLine } from '../output.js';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

export const doctorModule: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'doctor',
  describe: 'Check the engine, runtime, limits, image, toolchains, cache, proxy and CA; each problem comes with its fix',
  handler: async (args) => {
    // Shared-host mode: runs go through the daemon's socket, so that is what is checked.
    const viaDaemon = await servingDaemon();
    const report = viaDaemon ? await (await import('../daemon-doctor.js')).daemonDoctor(viaDaemon, process.cwd(), process.env) : await directDoctor();
    // A failed check is a non-zero exit, so scripts can use `gobox doctor` as a gate.
    if (report.findings.some((f) => f.status === 'fail')) process.exitCode = 1;
    if (args.json) return printJson(report);
    printLine(`mode: ${report.mode}`);
    for (const f of report.findings) {
      printLine(`${MARK[f.status]}  ${f.check}: ${f.detail}`);
      if (f.fix) printLine(`      fix: ${f.fix}`);
    }
  },
};

async function directDoctor() {
  const { runDoctor } = await import('../../app/checks/doctor.js');
  const report = await runDoctor();
  const { agentFinding } = await import('../../agent/status.js');
  report.findings.push(await agentFinding(process.env));
  return report;
}
