import { errorMessage, ToolchainError, VERIFY_EXIT } from '../../common/errors.js';
import { silentProgress, type Progress } from '../../common/progress.js';
import { recordManifest, repairToolchain, restampManifest, verifyToolchain, type ToolchainReport } from '../../toolchain/integrity.js';
import type { ToolchainStore } from '../../toolchain/store.js';
import { ToolchainStores, type StoreKind } from '../../toolchain/stores.js';
import { normalizeGoVersion, toolchainName } from '../../toolchain/version.js';

/** Exit status: VERIFY_EXIT in common/errors.ts (1 corrupted, 2 untrusted, 4 could not check, added up). */
export { VERIFY_EXIT };

export interface VerifiedToolchain extends ToolchainReport {
  store: StoreKind;
  /** With --repair: where the new copy came from. */
  repaired?: string | undefined;
  /** With --record: the digest recorded. */
  recorded?: string | undefined;
  /** Why a repair or a record failed. */
  actionError?: string | undefined;
}

export interface VerifyReport {
  toolchains: VerifiedToolchain[];
  exitCode: number;
}

export interface VerifyOptions {
  versions: readonly string[];
  repair?: boolean;
  record?: boolean;
  mirror?: string | undefined;
  progress?: Progress;
  stores?: ToolchainStores;
}

export async function verifyToolchains(o: VerifyOptions): Promise<VerifyReport> {
  const stores = o.stores ?? new ToolchainStores();
  const progress = o.progress ?? silentProgress;
  const installed = await stores.list();
  const wanted = o.versions.length ? o.versions.map((v) => normalizeGoVersion(v)) : installed.map((t) => t.version);
  const missing = wanted.filter((v) => !installed.some((t) => t.version === v));
  if (missing.length) {
    throw new ToolchainError(`${missing.map((v) => toolchainName(v)).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not installed in ${stores.roots.join(' or ')}; nothing was checked`, {
      hint: 'see gobox toolchain list', exitCode: VERIFY_EXIT.unchecked,
    });
  }
  const out: VerifiedToolchain[] = [];
  for (const v of wanted) {
    const kind = installed.find((t) => t.version === v)!.store;
    const store: ToolchainStore = kind === 'system' && stores.system ? stores.system : stores.own;
    progress.start(`Verifying ${toolchainName(v)}`);
    let r: VerifiedToolchain = { ...(await verifyToolchain(store, v)), store: kind };
    progress.succeed(`Verified ${toolchainName(v)}: ${r.status}`);
    const fixable = r.findings.some((f) => f.kind !== 'store');
    const onlyStamps = fixable && r.findings.every((f) => f.kind === 'stamp' || f.kind === 'store');
    try {
      if (o.repair && onlyStamps) {
        await restampManifest(store, v);
        r = { ...(await verifyToolchain(store, v)), store: kind, repaired: 'its own content (stamps recorded again)' };
      } else if (o.repair && (r.status === 'corrupted' || r.status === 'untrusted') && fixable) {
        const done = await repairToolchain(store, v, { mirror: o.mirror, progress });
        r = { ...(await verifyToolchain(store, v)), store: kind, repaired: done.from };
      } else if (o.record && r.status === 'no-manifest') {
        const digest = await recordManifest(store, v, progress);
        r = { ...(await verifyToolchain(store, v)), store: kind, recorded: digest };
      }
    } catch (e) {
      r = { ...r, actionError: errorMessage(e) };
    }
    out.push(r);
  }
  return { toolchains: out, exitCode: exitCodeOf(out) };
}

export function exitCodeOf(reports: readonly VerifiedToolchain[]): number {
  let code = 0;
  for (const r of reports) {
    if (r.findings.some((f) => f.class === 'corrupted')) code |= VERIFY_EXIT.corrupted;
    if (r.findings.some((f) => f.class === 'untrusted')) code |= VERIFY_EXIT.untrusted;
    if (r.status === 'no-manifest' || r.status === 'unchecked' || r.actionError) code |= VERIFY_EXIT.unchecked;
  }
  return code;
}
