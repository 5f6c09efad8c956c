import { errorMessage } from '../../common/errors.js';
import type { ToolchainStores } from '../../toolchain/stores.js';
import { verifyToolchains, type VerifiedToolchain } from '../toolchain/verify.js';
import type { Finding } from './doctor.js';

/**
 * gobox doctor's line on the store's integrity: the full verify (`gobox toolchain verify`, every
 * file re-hashed against its manifest), not the stat check a run makes before a mount, so a
 * doctor that says "verified" has proven the content. It costs seconds per toolchain, which a
 * diagnostic can afford; the caller starts it early so it overlaps the engine's checks.
 */
export async function storeIntegrityFinding(stores: ToolchainStores): Promise<Finding> {
  let toolchains: VerifiedToolchain[];
  try {
    ({ toolchains } = await verifyToolchains({ versions: [], stores }));
  } catch (e) {
    return { check: 'toolchain integrity', status: 'warn', detail: `cannot verify the toolchain store: ${errorMessage(e)}`, fix: 'gobox toolchain verify shows why' };
  }
  if (!toolchains.length) return { check: 'toolchain integrity', status: 'ok', detail: 'no toolchain to verify', fix: '' };
  return integrityFinding(toolchains);
}

/** One finding for every toolchain: the worst status decides, each bad one named with its first finding and its own fix. */
export function integrityFinding(toolchains: readonly VerifiedToolchain[]): Finding {
  const named = (ts: readonly VerifiedToolchain[]) => ts.map((t) => t.name).join(', ');
  const verified = toolchains.filter((t) => t.status === 'ok');
  const bad = toolchains.filter((t) => t.status === 'corrupted' || t.status === 'untrusted');
  const unrecorded = toolchains.filter((t) => t.status === 'no-manifest');
  const unchecked = toolchains.filter((t) => t.status === 'unchecked');
  const parts: string[] = [];
  const fixes: string[] = [];
  for (const t of bad) {
    const first = t.findings[0]!;
    const more = t.findings.length > 1 ? ` (and ${t.findings.length - 1} more)` : '';
    parts.push(`${t.name} is ${t.status}: ${first.path || '.'}: ${first.detail}${more}; runs refuse it`);
    // A store finding is the directory's fault, not the tree's: a repair would not change it.
    fixes.push(t.findings.every((f) => f.kind === 'store')
      ? `make ${first.path} a real directory that only root (or the store's owner) can write`
      : `gobox toolchain verify --repair ${t.version}`);
  }
  if (unrecorded.length) {
    parts.push(`${named(unrecorded)} ${unrecorded.length > 1 ? 'have' : 'has'} no manifest (installed before gobox recorded them): runs mount ${unrecorded.length > 1 ? 'them' : 'it'} unchecked`);
    fixes.push(...unrecorded.map((t) => `gobox toolchain verify --record ${t.version}`));
  }
  for (const t of unchecked) {
    parts.push(t.error ?? `cannot check ${t.name}`);
    fixes.push(`gobox toolchain verify ${t.version}`);
  }
  if (verified.length) parts.push(`${named(verified)} verified (every file re-hashed against ${verified.length > 1 ? 'their manifests' : 'its manifest'})`);
  const status = bad.length ? 'fail' : unrecorded.length || unchecked.length ? 'warn' : 'ok';
  return { check: 'toolchain integrity', status, detail: parts.join('; '), fix: fixes.join('; ') };
}
