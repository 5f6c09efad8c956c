import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ToolchainError, UsageError } from '../../common/errors.js';
import { currentIdentity } from '../../common/identity.js';
import type { Progress } from '../../common/progress.js';
import { findProjectRoot } from '../../toolchain/gomod.js';
import { ToolchainStores } from '../../toolchain/stores.js';
import { chooseSandboxUser } from '../run/sandbox-user.js';
import { rebuildUser } from './rebuild-as.js';
import { jailBuild } from './build.js';
import { hashDir, sha256File } from './dirhash.js';
import { checkJailEnv, parseBuildArgs, type BuildArgs } from './flags.js';
import { readProvenance, type ReadProvenance } from './read-provenance.js';
import { explainMismatch } from './explain.js';
import { checkSignature, envelopeFile, type SignatureCheck } from './signing.js';
import type { Provenance } from './provenance-schema.js';
import type { BuildInfoReader } from './explain.js';
import { C_TOOLCHAIN_DEP } from './c-toolchain.js';
import { loadHostConfig } from '../../config/host-config.js';

export interface SubjectCheck {
  name: string;
  recorded: string;
  rebuilt: string | null;
  /** The file beside the provenance, when there is one. */
  file: string | null;
  match: boolean;
  causes: string[];
}

export interface VerifyReport {
  provenance: string;
  ok: boolean;
  toolchain: { version: string; dirHash: string; match: boolean };
  image: { ref: string; sha256: string; match: boolean };
  source: { dir: string; dirHash: string; match: boolean };
  subjects: SubjectCheck[];
  /** The DSSE envelope beside the provenance, when there is one. */
  signature: SignatureCheck;
  /** The uid and gid the rebuild ran as: never the build's owner's. */
  rebuiltAs: { uid: number; gid: number };
  /** Outputs the rebuild made that the provenance does not list. */
  extra: string[];
  problems: string[];
}

export interface JailVerifyOptions {
  provenanceFile: string;
  source?: string | undefined;
  cwd: string;
  profile?: string | undefined;
  env: NodeJS.ProcessEnv;
  progress: Progress;
  stderr: NodeJS.WritableStream;
  /** Through the shared-host daemon: the rebuild, the signature check and `go version -m` are its. */
  via?: VerifyVia;
}

export interface VerifyVia {
  rebuild(cwd: string, outDir: string, args: BuildArgs, go: string): Promise<{ outDir: string; provenance: Provenance; ranAs: { uid: number; gid: number } }>;
  signature(provenanceFile: string, bytes: Buffer, envelopeText: string): Promise<SignatureCheck>;
  buildInfo: BuildInfoReader;
}

/** A record's C toolchain in words, for comparing two: "gcc (pkg:deb/debian/gcc@...; ...)" or "none (CGO off)". */
function cToolchainOf(deps: { name?: string | undefined; uri?: string | undefined; annotations?: Record<string, unknown> | undefined }[]): string {
  const mine = deps.filter((d) => d.name === C_TOOLCHAIN_DEP || d.name?.startsWith(`${C_TOOLCHAIN_DEP}:`));
  if (mine.length === 0) return 'none (CGO off)';
  const line = mine.find((d) => d.name === C_TOOLCHAIN_DEP)?.annotations?.versionLine;
  return `${String(line ?? '?')} (${mine.filter((d) => d.name !== C_TOOLCHAIN_DEP).map((d) => d.uri).sort().join(', ')})`;
}

/** The envelope beside the record, checked by the daemon with the host's keys. */
async function signatureVia(via: VerifyVia, provenanceFile: string, bytes: Buffer): Promise<SignatureCheck> {
  const file = envelopeFile(provenanceFile);
  if (!existsSync(file)) return { present: false, keyids: [] };
  return via.signature(provenanceFile, bytes, await fs.readFile(file, 'utf8'));
}

/** The toolchain named must be installed here; its tree digest is compared after the rebuild hashed it. */
async function requireToolchain(rp: ReadProvenance, env: NodeJS.ProcessEnv): Promise<void> {
  const v = rp.toolchain.version;
  if (!(await new ToolchainStores(env).get(v))) {
    throw new ToolchainError(`toolchain go${v} named in ${rp.file} is not installed`, { hint: `install it: gobox toolchain install ${v} (or gobox toolchain import a GOROOT of go${v})` });
  }
}

/**
 * Copies the source (with .git: Go's VCS stamping reads it) to a fresh path, owned by the build's
 * owner and readable by the rebuild's uid: every file and dir gets read (and dirs search) for
 * all, symlinks untouched (a chmod would follow one out of the copy). The copy sits in a 0700
 * work dir, so nobody on the host reaches it; only the rebuild's mount does.
 */
async function copySource(root: string, excluded: string[], into: string, owner: { uid: number; gid: number }): Promise<void> {
  const skip = new Set(excluded.filter((x) => x !== '.git').map((x) => path.join(root, x)));
  await fs.cp(root, into, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, filter: (src) => !skip.has(src) });
  for (const x of excluded.filter((e) => e !== '.git')) await fs.mkdir(path.join(into, x), { recursive: true });
  const open = async (p: string): Promise<void> => {
    const st = await fs.lstat(p);
    if (st.isSymbolicLink()) return;
    await fs.chmod(p, (st.mode & 0o7777) | (st.isDirectory() ? 0o555 : 0o444));
    if (process.getuid?.() === 0) await fs.lchown(p, owner.uid, owner.gid);
    if (st.isDirectory()) for (const name of await fs.readdir(p)) await open(path.join(p, name));
  };
  await open(into);
}

/**
 * `gobox jail verify`: reads the provenance, checks the toolchain, image and source it names,
 * rebuilds in a fresh jail at another path as another uid (rebuild-as.ts), and compares every
 * subject byte for byte. A mismatch is explained where it can be.
 */
export async function jailVerify(o: JailVerifyOptions): Promise<VerifyReport> {
  const provenanceFile = path.resolve(o.cwd, o.provenanceFile);
  const rp = await readProvenance(provenanceFile);
  checkJailEnv(o.env);
  const args = parseBuildArgs([...rp.external.flags, '--', ...rp.external.packages]);
  const bytes = await fs.readFile(provenanceFile);
  const signature = o.via ? await signatureVia(o.via, provenanceFile, bytes) : await checkSignature(await loadHostConfig(o.env), provenanceFile, bytes);
  // Through the daemon its store is the one that counts, and its rebuild names a missing toolchain.
  if (!o.via) await requireToolchain(rp, o.env);
  const sourceDir = path.resolve(o.cwd, o.source ?? '.');
  if (!existsSync(sourceDir)) throw new UsageError(`source ${sourceDir} does not exist`);
  const root = (await findProjectRoot(await fs.realpath(sourceDir))).root;
  o.progress.start('Hashing the source');
  const sourceHash = await hashDir(root, 'source', rp.source.excluded);
  o.progress.succeed();
  if (sourceHash !== rp.source.dirHash) {
    throw new UsageError(`source ${root} is not the source that was built: its tree digest is ${sourceHash}, the provenance says ${rp.source.dirHash}`, {
      hint: rp.source.gitCommit ? `check out commit ${rp.source.gitCommit} with no local changes, or name it with --source` : 'name the source that was built with --source',
    });
  }
  const user = o.via ? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 } : chooseSandboxUser(currentIdentity(), root, o.env);
  const rebuiltAs = rebuildUser(user);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gobox-jail-verify-'));
  try {
    const copy = path.join(work, 'src');
    await copySource(root, rp.source.excluded, copy, user);
    const rebuilt = o.via ? await o.via.rebuild(path.join(copy, rp.external.dir), path.join(work, 'out'), args, rp.toolchain.version) : await jailBuild({
      cwd: path.join(copy, rp.external.dir),
      outDir: path.join(work, 'out'),
      args,
      profile: o.profile,
      go: rp.toolchain.version,
      env: o.env,
      progress: o.progress,
      stderr: o.stderr,
      sandboxUser: { uid: user.uid, gid: user.gid },
      rebuildAs: rebuiltAs,
    });
    const deps = rebuilt.provenance.predicate.buildDefinition.resolvedDependencies ?? [];
    const dep = (name: string) => deps.find((d) => d.name === name)?.digest;
    const report: VerifyReport = {
      provenance: provenanceFile,
      ok: false,
      toolchain: { ...rp.toolchain, match: dep('toolchain')?.dirHash === rp.toolchain.dirHash },
      image: { ...rp.image, match: dep('image')?.sha256 === rp.image.sha256 },
      source: { dir: root, dirHash: sourceHash, match: true },
      rebuiltAs: rebuilt.ranAs,
      subjects: [],
      signature,
      extra: rebuilt.provenance.subject.map((s) => s.name).filter((n) => !rp.statement.subject.some((s) => s.name === n)),
      problems: [],
    };
    if (!report.toolchain.match) report.problems.push(`toolchain go${rp.toolchain.version} here has tree digest ${dep('toolchain')?.dirHash}, the build's had ${rp.toolchain.dirHash}`);
    if (signature.problem) report.problems.push(signature.problem);
    const cc = [cToolchainOf(rp.statement.predicate.buildDefinition.resolvedDependencies ?? []), cToolchainOf(deps)];
    if (cc[0] !== cc[1]) report.problems.push(`the C toolchain differs: the build's was ${cc[0]}, the rebuild's is ${cc[1]}`);
    if (!report.image.match) report.problems.push(`image ${rp.image.ref} here is sha256:${dep('image')?.sha256}, the build's was sha256:${rp.image.sha256}`);
    for (const s of rp.statement.subject) {
      const recorded = s.digest.sha256 ?? '';
      const rebuiltFile = path.join(rebuilt.outDir, s.name);
      const besideFile = path.join(path.dirname(provenanceFile), s.name);
      const rebuiltSha = existsSync(rebuiltFile) ? await sha256File(rebuiltFile) : null;
      const besideSha = existsSync(besideFile) ? await sha256File(besideFile) : null;
      const check: SubjectCheck = { name: s.name, recorded, rebuilt: rebuiltSha, file: besideSha, match: rebuiltSha === recorded, causes: [] };
      if (besideSha !== null && besideSha !== recorded) {
        check.match = false;
        check.causes.push(besideSha === rebuiltSha
          ? `the provenance's sha256 for ${s.name} was altered: the file beside it matches the rebuild`
          : `${s.name} was changed after the build: its sha256 ${besideSha} is not the recorded ${recorded}`);
      }
      if (rebuiltSha === null) check.causes.push(`the rebuild made no ${s.name}`);
      else if (rebuiltSha !== recorded && besideSha === recorded) {
        check.causes.push(...(await explainMismatch({ cwd: path.join(copy, rp.external.dir), go: rp.toolchain.version, recordedFile: besideFile, rebuiltFile, env: o.env, profile: o.profile, progress: o.progress, ...(o.via ? { buildInfo: o.via.buildInfo } : {}) })));
      } else if (rebuiltSha !== recorded && besideSha === null) {
        check.causes.push(`the rebuild's sha256 ${rebuiltSha} is not the recorded ${recorded} (no file beside the provenance to compare build settings with)`);
      }
      report.subjects.push(check);
    }
    report.ok = report.problems.length === 0 && report.extra.length === 0 && report.subjects.every((s) => s.match);
    return report;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
