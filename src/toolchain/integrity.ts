import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage, ToolchainError } from '../common/errors.js';
import { withLock } from '../common/lock-file.js';
import { silentProgress, type Progress } from '../common/progress.js';
import { importBuild, installBuild } from './builders.js';
import { buildManifest, digestOfEntries, manifestPath, MANIFEST_DIR, readManifest, stampRoot, writeManifest, type Manifest, type ManifestSource } from './manifest.js';
import { chooseArchive, defaultMirror, fetchIndex } from './mirror.js';
import { placeToolchain, storeError } from './place.js';
import type { ToolchainStore } from './store.js';
import { auditTree } from './tree-audit.js';
import { entryFindings, storePathFindings, trustedOwners, type Finding } from './trust.js';
import { verifyGoroot } from './verify.js';
import { toolchainName } from './version.js';

/** ok; corrupted and/or untrusted (findings say what); no-manifest (installed before manifests); unchecked (error says why). */
export type VerifyStatus = 'ok' | 'corrupted' | 'untrusted' | 'no-manifest' | 'unchecked';

export interface ToolchainReport {
  version: string;
  name: string;
  path: string;
  /** The worst first: corrupted, untrusted, no-manifest, unchecked, ok. Both classes may be present in findings. */
  status: VerifyStatus;
  digest?: string | undefined;
  source?: ManifestSource | undefined;
  findings: Finding[];
  error?: string | undefined;
}

/** The full check of one installed toolchain: every file re-hashed, every entry and the store's path held to the trust rules. */
export async function verifyToolchain(store: ToolchainStore, version: string): Promise<ToolchainReport> {
  const name = toolchainName(version);
  const goroot = store.path(version);
  const base = { version, name, path: goroot };
  let manifest: Manifest | undefined;
  const findings: Finding[] = [];
  try {
    const owners = await trustedOwners(store.root);
    findings.push(...(await storePathFindings(store.root, owners)));
    findings.push(...(await manifestFileFindings(store.root, name, owners)));
    try {
      manifest = await readManifest(store.root, name);
    } catch (e) {
      findings.push({ class: 'corrupted', kind: 'changed', path: manifestPath(store.root, name), detail: errorMessage(e) });
    }
    if (manifest && digestOfEntries(manifest.entries) !== manifest.digest) {
      findings.push({ class: 'corrupted', kind: 'changed', path: manifestPath(store.root, name), detail: `the manifest's entries no longer hash to the digest ${manifest.digest} it records` });
    }
    findings.push(...(await auditTree(goroot, manifest, owners)));
  } catch (e) {
    return { ...base, status: 'unchecked', findings, error: `cannot check ${name} in ${store.root}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}` };
  }
  const status: VerifyStatus = findings.some((f) => f.class === 'corrupted') ? 'corrupted'
    : findings.some((f) => f.class === 'untrusted') ? 'untrusted'
      : manifest ? 'ok' : 'no-manifest';
  return { ...base, status, digest: manifest?.digest, source: manifest?.source, findings };
}

/** The manifests dir and the manifest itself: whoever can write them can bless a changed tree. */
async function manifestFileFindings(root: string, name: string, owners: ReadonlySet<number>): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const p of [path.join(root, MANIFEST_DIR), manifestPath(root, name)]) {
    const st = await fs.lstat(p).catch(() => undefined);
    if (st?.isSymbolicLink()) out.push({ class: 'untrusted', kind: 'store', path: p, detail: `${p} is a symlink` });
    else if (st) out.push(...entryFindings(p, st, undefined, owners));
  }
  return out;
}

export interface RepairOptions {
  mirror?: string | undefined;
  progress?: Progress | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Builds the toolchain again from where it came from and swaps it in (place.ts): an import is
 * copied again from its recorded dir; an install (or a toolchain whose source is unknown) is
 * downloaded again, and the archive must have the sha256 recorded at install, if one was.
 */
export async function repairToolchain(store: ToolchainStore, version: string, o: RepairOptions = {}): Promise<{ from: string; digest: string }> {
  const progress = o.progress ?? silentProgress;
  const name = toolchainName(version);
  if (!(await store.get(version))) throw new ToolchainError(`${name} is not installed in ${store.root}`, { hint: `install it: gobox toolchain install ${version}` });
  await store.tidy();
  const recorded = await readManifest(store.root, name).catch(() => undefined);
  let plan: ReturnType<typeof importBuild>;
  let from: string;
  if (recorded?.source.kind === 'import') {
    plan = importBuild(recorded.source.dir, version, progress);
    from = recorded.source.dir;
  } else {
    const mirror = o.mirror ?? defaultMirror();
    const choice = chooseArchive(await fetchIndex(mirror, o.signal), version, mirror);
    if (choice.version !== version) throw new ToolchainError(`${mirror} does not offer go${version}`, { hint: 'gobox toolchain list --available' });
    const want = recorded?.source.kind === 'install' ? recorded.source.sha256 : undefined;
    if (want && choice.file.sha256.toLowerCase() !== want) {
      throw new ToolchainError(`${mirror} offers ${choice.file.filename} with sha256 ${choice.file.sha256.toLowerCase()}, not the ${want} ${name} was installed from`, {
        hint: 'use the mirror it was installed from (--mirror), or remove and install it again',
      });
    }
    plan = installBuild(choice, mirror, progress, o.signal);
    from = choice.url;
  }
  const r = await placeToolchain(
    { root: store.root, version, purpose: 'repair', source: plan.source, progress, signal: o.signal, build: plan.build, replace: true, existing: async () => true },
    (pid) => progress.start(`Waiting for another change of ${name} (pid ${pid})`),
  ).catch((e: unknown) => {
    progress.fail(errorMessage(e));
    throw e;
  });
  if (!r.placed) throw new ToolchainError(`${name} changed while it was being repaired`, { hint: `gobox toolchain verify ${version}` });
  progress.succeed(`Repaired ${name} from ${from}`);
  return { from, digest: r.digest };
}

/**
 * Records a manifest for a toolchain installed before gobox wrote them. Only a tree that passes
 * the trust rules and whose bin/go reports its VERSION is recorded: recording blesses it.
 */
export async function recordManifest(store: ToolchainStore, version: string, progress: Progress = silentProgress): Promise<string> {
  const name = toolchainName(version);
  const goroot = store.path(version);
  if (!(await store.get(version))) throw new ToolchainError(`${name} is not installed in ${store.root}`, { hint: 'gobox toolchain list' });
  return withLock(store.root, name, async () => {
    if (await readManifest(store.root, name)) throw new ToolchainError(`${name} has a manifest already`, { hint: `gobox toolchain verify ${version}` });
    const bad = await auditTree(goroot, undefined, await trustedOwners(store.root));
    if (bad[0]) throw new ToolchainError(`${name} is not recorded: ${bad[0].path || 'the GOROOT'} is ${bad[0].detail}`, { hint: `fix it or repair it: gobox toolchain verify --repair ${version}` });
    progress.start(`Recording the manifest of ${name}`);
    await verifyGoroot(goroot, version);
    const m = await buildManifest(goroot, version, { kind: 'recorded' });
    await writeManifest(store.root, name, m);
    progress.succeed(`Recorded the manifest of ${name} (${m.digest})`);
    return m.digest;
  }).catch((e: unknown) => {
    throw e instanceof ToolchainError ? e : storeError(e, `cannot record the manifest of ${name}`);
  });
}

/**
 * Records the stat stamps again when a full re-hash found the content as installed and only
 * stamps differ (a file touched, an entry added and removed again): the hashes are kept.
 */
export async function restampManifest(store: ToolchainStore, version: string): Promise<void> {
  const name = toolchainName(version);
  const goroot = store.path(version);
  await withLock(store.root, name, async () => {
    const m = await readManifest(store.root, name);
    if (!m) throw new ToolchainError(`${name} has no manifest`, { hint: `gobox toolchain verify --record ${version}` });
    const other = (await auditTree(goroot, m, await trustedOwners(store.root))).find((f) => f.kind !== 'stamp');
    if (other) throw new ToolchainError(`${name} changed meanwhile: ${other.path}: ${other.detail}`, { hint: `gobox toolchain verify ${version}` });
    const entries = await Promise.all(m.entries.map(async (e): Promise<typeof e> => {
      const st = await fs.lstat(path.join(goroot, e[1]));
      return [e[0], e[1], e[2], e[3], e[4], e[5], st.ino, st.mtimeMs, st.ctimeMs, e[9]];
    }));
    await writeManifest(store.root, name, await stampRoot({ ...m, entries }, goroot));
  }).catch((e: unknown) => {
    throw e instanceof ToolchainError ? e : storeError(e, `cannot record ${name} again`);
  });
}
