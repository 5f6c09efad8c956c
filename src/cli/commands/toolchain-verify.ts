import type { CommandModule } from 'yargs';
import type { VerifiedToolchain } from '../../app/toolchain/verify.js';
import { defineCommand, type GlobalArgs } from '../options.js';
import { printJson, printLine, printNotice } from '../output.js';
import { createProgress } from '../progress.js';

interface VerifyArgs extends GlobalArgs {
  releases?: string[];
  repair?: boolean;
  record?: boolean;
  mirror?: string;
}

/** Findings shown per toolchain in text; --json has them all. */
const SHOWN = 20;

/**
 * `gobox toolchain verify [VERSION...]`: the full check (every file re-hashed against its
 * manifest, owners, modes, special files, symlinks, the store's path). Exit status: see
 * VERIFY_EXIT (1 corrupted, 2 untrusted, 4 could not check; added up).
 */
export const toolchainVerifyCommand: CommandModule = defineCommand({
  command: 'verify [releases..]',
  describe: 'Check installed toolchains against their manifests (exit 1 corrupted, 2 untrusted, 4 could not check; added up)',
  builder: (b) =>
    b.option('repair', { type: 'boolean', default: false, describe: 'Re-install a bad toolchain from the mirror (sha256-checked) or re-import it from its recorded source, atomically' })
      .option('record', { type: 'boolean', default: false, describe: 'Record a manifest for a toolchain installed before gobox kept them' })
      .option('mirror', { type: 'string', describe: 'Mirror base URL for --repair (default: GOBOX_GO_MIRROR, then goMirror in the host config, then the official site)' }),
  handler: async (args: VerifyArgs) => {
    const { verifyToolchains } = await import('../../app/toolchain/verify.js');
    const { chooseMirror } = await import('../../app/toolchain/mirror-choice.js');
    const report = await verifyToolchains({
      versions: (args.releases ?? []).map(String),
      repair: Boolean(args.repair),
      record: Boolean(args.record),
      mirror: args.repair ? await chooseMirror(args.mirror) : undefined,
      progress: createProgress(process.stderr, Boolean(args.json) || !(args.repair || args.record)),
    });
    process.exitCode = report.exitCode;
    if (args.json) return printJson(report);
    if (report.toolchains.length === 0) return printLine('no toolchains installed; nothing to verify');
    for (const t of report.toolchains) printToolchain(t);
  },
});

function printToolchain(t: VerifiedToolchain): void {
  const classes = (['corrupted', 'untrusted'] as const).filter((c) => t.findings.some((f) => f.class === c));
  const state = t.status === 'unchecked' ? 'could not check' : t.status === 'no-manifest' ? 'no manifest' : classes.length ? classes.join(', ') : 'ok';
  printLine(`${t.name}  ${state}  ${t.digest ?? ''}  ${t.path}`.replace(/ {3,}/g, '  '));
  for (const f of t.findings.slice(0, SHOWN)) printLine(`  ${f.class === 'corrupted' ? f.kind : 'untrusted'}  ${f.path || '.'}: ${f.detail}`);
  if (t.findings.length > SHOWN) printLine(`  ... and ${t.findings.length - SHOWN} more (--json lists them all)`);
  if (t.error) printNotice(t.error);
  if (t.repaired) printNotice(`${t.name} repaired from ${t.repaired}`);
  if (t.recorded) printNotice(`${t.name}: manifest recorded (${t.recorded})`);
  if (t.actionError) printNotice(`${t.name}: ${t.actionError}`);
  else if (t.status === 'no-manifest') printNotice(`${t.name} has no manifest (installed before gobox recorded them); record one: gobox toolchain verify --record ${t.version}`);
  else if ((t.status === 'corrupted' || t.status === 'untrusted') && !t.repaired && t.findings.some((f) => f.kind !== 'store')) {
    printNotice(`restore ${t.name} with: gobox toolchain verify --repair ${t.version}`);
  }
}
