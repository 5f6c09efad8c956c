import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CommandExit, UsageError } from '../../common/errors.js';
import { logger } from '../../common/logger.js';
import type { Progress } from '../../common/progress.js';
import { buildJailSpec, jailContract } from '../../sandbox/jail-spec.js';
import { readyEngine, prepareRun, writeIdentityFiles, type PreparedRun } from '../run/index.js';
import { sandboxLoginName } from '../run/identity-files.js';
import type { SandboxUser } from '../run/sandbox-user.js';
import type { SandboxSpec } from '../../sandbox/types.js';
import type { RunControl } from '../../common/run-io.js';
import { missingModule, runJailContainer, unrequiredPackage } from './container.js';
import { sha256File } from './dirhash.js';
import { toolchainDigest } from './toolchain-digest.js';
import { copyModules, REBUILD_LOGIN } from './rebuild-as.js';
import { cgoOff, readCToolchain } from './c-toolchain.js';
import { goboxVersion, hostName } from './facts.js';
import { checkJailEnv, withoutGoSettings, type BuildArgs } from './flags.js';
import { directSite, type JailSite } from './site.js';
import { envelopeBytes, envelopeFile, signingKey } from './signing.js';
import { buildProvenance } from './provenance.js';
import type { Provenance } from './provenance-schema.js';

const log = logger('jail');

export interface JailBuildOptions {
  cwd: string;
  outDir: string;
  args: BuildArgs;
  profile?: string | undefined;
  go?: string | undefined;
  env: NodeJS.ProcessEnv;
  progress: Progress;
  /** Where the build's own output (compiler errors) goes when it fails. */
  stderr: NodeJS.WritableStream;
  /** verify's rebuild picks the user of the copy it made. */
  sandboxUser?: SandboxUser;
  /** verify's rebuild: the jail runs as this uid, not the owner's (rebuild-as.ts), with a copy of the owner's modules. */
  rebuildAs?: { uid: number; gid: number };
  /** The daemon's: its own prepared run (policy applied), its site and its mount gate. */
  prepared?: PreparedRun;
  site?: JailSite;
  finishSpec?: (spec: SandboxSpec) => SandboxSpec;
  loginName?: string;
  /** The daemon's: the running jail's control, so a client that goes away stops it. */
  onStart?: (control: RunControl) => void;
}

export interface JailBuildResult {
  outDir: string;
  provenanceFile: string;
  provenance: Provenance;
  /** The DSSE envelope, when the host config names a signing key. */
  envelopeFile?: string;
  /** The uid and gid the jail ran as (the owner's, or verify's rebuild uid). */
  ranAs: { uid: number; gid: number };
}

/** Prepared like any run, then held to the jail contract: a go.mod, the jail profile flag, a clean env. */
export async function prepareJail(o: Pick<JailBuildOptions, 'cwd' | 'profile' | 'go' | 'env' | 'progress' | 'sandboxUser'>): Promise<PreparedRun> {
  checkJailEnv(o.env);
  const p = await prepareRun({
    command: ['go', 'build'], cwd: o.cwd, profile: o.profile ?? 'jail', go: o.go, env: withoutGoSettings(o.env),
    tty: false, stdin: false, progress: o.progress, sandboxUser: o.sandboxUser, withoutCa: true,
  });
  return holdToJail(p, o.cwd);
}

/** A prepared run (direct, or the daemon's with its policy) held to the jail: a Go module, jail: true, no network. */
export function holdToJail(p: PreparedRun, cwd: string): PreparedRun {
  if (!p.project.goMod && !p.project.goWork) {
    throw new UsageError(`no go.mod in ${cwd} or any directory above it; a jail build builds a Go module`, { hint: 'run it in a module (go mod init)' });
  }
  // jail: true forces the contract whatever the profile file says (sandbox/jail-spec.ts).
  p.loaded.profile = { ...p.loaded.profile, jail: true, network: 'none' };
  p.inputs.profile = p.loaded.profile;
  return p;
}

/** The out dir's path inside the source tree, when it is there: hidden from the build and the digest. */
function outInside(root: string, outDir: string): string | undefined {
  const rel = path.relative(root, outDir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
}

/** `gobox jail build`: offline, read-only source and module cache, outputs and provenance.json in the out dir. */
export async function jailBuild(o: JailBuildOptions): Promise<JailBuildResult> {
  const startedOn = new Date();
  const p = o.prepared ?? (await prepareJail(o));
  const site = o.site ?? directSite(p.user);
  const key = await signingKey(p.host);
  const outDir = await site.outDir(path.resolve(o.cwd, o.outDir), p.project.root);
  const inside = outInside(p.project.root, outDir);
  const excluded = ['.git', ...(inside ? [inside] : [])];
  const engine = await readyEngine(p, o.progress);
  const git = await site.gitFacts(p.project.root);
  const imageId = await engine.imageId(p.loaded.profile.image);
  if (!imageId) throw new UsageError(`image ${p.loaded.profile.image} is not present`, { hint: 'gobox image build' });
  const stage = await site.stage(outDir, o.rebuildAs ?? p.user);
  const ids = await writeIdentityFiles(p.user, o.loginName ?? sandboxLoginName(p));
  const runIds = o.rebuildAs ? await writeIdentityFiles(o.rebuildAs, REBUILD_LOGIN) : ids;
  try {
    const finish = (spec: SandboxSpec) => (o.finishSpec ? o.finishSpec(spec) : spec);
    const rebuild = o.rebuildAs
      ? { runAs: o.rebuildAs, moduleCopy: await copyModules(engine, p, { ...p.inputs, identityFiles: ids }, { sourceDateEpoch: git.epoch, stage, site, finish, progress: o.progress, ...(o.onStart ? { onStart: o.onStart } : {}) }) }
      : undefined;
    const built = buildJailSpec({ ...p.inputs, identityFiles: runIds }, {
      sourceDateEpoch: git.epoch,
      outDir: stage,
      buildArgs: [...o.args.flags, ...o.args.packages],
      hide: inside ? [outDir] : [],
      ...(rebuild ? { rebuild } : {}),
    });
    const spec = finish(built);
    o.progress.start('Building in the jail (no network)');
    // The trees are hashed while the jail builds: the source is read-only there, the toolchain always is.
    const digests = Promise.all([hashToolchain(p), site.source(p.project.root, excluded)]);
    digests.catch(() => {});
    const r = await runJailContainer(engine, p, spec, o.onStart);
    if (r.exitCode !== 0) {
      o.progress.fail();
      const missing = missingModule(r.stderr);
      if (missing) throw new UsageError(`module ${missing} is not in your module cache`, { hint: 'run gobox jail fetch (with network) first' });
      const noCgo = p.loaded.profile.cToolchain ? undefined : cgoOff(r.stderr);
      if (noCgo) throw new UsageError(`the jail builds with CGO_ENABLED=0, and every Go file in ${noCgo} is left out by that (a cgo package, import "C")`, { hint: 'build it with a profile that pins a C toolchain (cToolchain: gcc)' });
      const unrequired = unrequiredPackage(r.stderr);
      if (unrequired) throw new UsageError(`no module in go.mod provides package ${unrequired}`, { hint: 'run go mod tidy and commit go.mod and go.sum; a jail build never changes them' });
      o.stderr.write(r.stdout + r.stderr);
      throw new CommandExit(r.exitCode, r.message ?? `the jail build failed (exit ${r.exitCode})`);
    }
    o.progress.succeed();
    const [toolchainHash, source] = await digests;
    const outputs = await hashOutputs(path.join(stage, 'bin'));
    const goEnv = await readGoEnv(path.join(stage, 'meta', 'go-env.json'));
    const cc = p.loaded.profile.cToolchain;
    const cToolchain = cc ? await readCToolchain(path.join(stage, 'meta'), cc) : undefined;
    const provenance = buildProvenance({
      outputs,
      external: { command: 'jail build', dir: path.relative(p.project.root, p.project.cwd) || '.', packages: o.args.packages, flags: o.args.flags },
      goEnv,
      jail: { ...jailContract(git.epoch, cc), ...(cToolchain ? { cgo: { compiler: cToolchain.compiler, versionLine: cToolchain.versionLine } } : {}) },
      toolchain: { version: p.toolchain.version, dirHash: toolchainHash },
      image: { ref: p.loaded.profile.image, id: imageId },
      source: { dirHash: source.dirHash, ...(git.commit ? { gitCommit: git.commit } : {}), excluded },
      modules: source.modules,
      ...(cToolchain ? { cToolchain } : {}),
      builder: { host: hostName(), goboxVersion: await goboxVersion() },
      invocationId: p.inputs.session.id,
      startedOn,
      finishedOn: new Date(),
    });
    const bytes = Buffer.from(JSON.stringify(provenance, null, 2) + '\n');
    const envelope = key ? envelopeBytes(bytes, key) : undefined;
    await site.deliver(stage, outDir, outputs.map((x) => x.name), { provenance: bytes, ...(envelope ? { envelope } : {}) });
    const provenanceFile = path.join(outDir, 'provenance.json');
    log.debug(`wrote ${provenanceFile}`);
    return { outDir, provenanceFile, provenance, ranAs: o.rebuildAs ?? { uid: p.user.uid, gid: p.user.gid }, ...(envelope ? { envelopeFile: envelopeFile(provenanceFile) } : {}) };
  } finally {
    await ids.dispose();
    if (runIds !== ids) await runIds.dispose();
    await site.dispose(stage);
  }
}

/** The toolchain tree's h1: (the store's manifest digest; toolchain-digest.ts). */
function hashToolchain(p: PreparedRun): Promise<string> {
  return toolchainDigest(p.toolchain.path);
}

/** The build's binaries in the stage, hashed there; only regular files count. */
async function hashOutputs(binDir: string): Promise<{ name: string; sha256: string }[]> {
  const entries = await fs.readdir(binDir, { withFileTypes: true }).catch(() => []);
  const outputs: { name: string; sha256: string }[] = [];
  for (const e of entries) {
    if (!e.isFile()) throw new UsageError(`the build left ${e.name} in the out dir, which is not a regular file`);
    if (e.name === 'provenance.json' || e.name === 'provenance.dsse.json') throw new UsageError('the build made an output named provenance.json, which would clash with the record');
    outputs.push({ name: e.name, sha256: await sha256File(path.join(binDir, e.name)) });
  }
  if (outputs.length === 0) throw new UsageError('the build produced no output file (no main package among the packages)', { hint: 'name a main package: gobox jail build -- ./cmd/app' });
  return outputs;
}

async function readGoEnv(file: string): Promise<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed));
}

