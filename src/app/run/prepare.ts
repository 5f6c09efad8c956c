import { randomBytes } from 'node:crypto';
import { currentIdentity, hostBootId, pidNamespace, processStartTime } from '../../common/identity.js';
import { logger } from '../../common/logger.js';
import type { Progress } from '../../common/progress.js';
import { loadHostConfig } from '../../config/host-config.js';
import { loadProfile, type LoadedProfile } from '../../config/profiles.js';
import type { HostConfig } from '../../config/schema.js';
import type { EnvWithSources } from '../../sandbox/env.js';
import { sandboxEnv, type SandboxInputs } from '../../sandbox/spec.js';
import { ToolchainStores } from '../../toolchain/stores.js';
import { cacheVolumeName } from '../cache/volume.js';
import { mergeGoEnv } from './go-env.js';
import { validateGoEnv } from '../../config/go-env-rules.js';
import { applyProxyModeEnv } from '../network/proxy-env.js';
import { prepareCaBundle } from './ca-bundle.js';
import { resolveProject, type Project } from './project.js';
import { chooseSandboxUser, type SandboxUser } from './sandbox-user.js';
import { chooseToolchain, type ChosenToolchain } from '../toolchain/choose.js';

const log = logger('prepare');

export interface RunOptions {
  command: string[];
  cwd: string;
  profile?: string | undefined;
  go?: string | undefined;
  env: NodeJS.ProcessEnv;
  tty: boolean;
  stdin: boolean;
  progress: Progress;
  /** The daemon's choice (the socket's user); otherwise app/run/sandbox-user.ts picks from the caller. */
  sandboxUser?: SandboxUser | undefined;
  /** How version files are read; the daemon passes what the user could read (daemon/project-as-user.ts). */
  readText?: ((file: string) => Promise<string | undefined>) | undefined;
  /** A sandbox with no network (the jail) needs no CA bundle, and none is written for it. */
  withoutCa?: boolean | undefined;
  /**
   * The caller calls readyEngine right after: the toolchain's check before a mount then runs
   * while the engine is readied, and readyEngine waits for it (toolchain.mountCheck).
   */
  overlapMountCheck?: boolean | undefined;
}

/** Everything known before the engine is involved; `gobox env` stops here. */
export interface PreparedRun {
  loaded: LoadedProfile;
  host: { file?: string; config: HostConfig };
  project: Project;
  toolchain: ChosenToolchain;
  user: SandboxUser;
  goEnv: EnvWithSources;
  inputs: SandboxInputs;
}

/** Before the engine is asked (gobox env): the mode's plain network; app/network/resolve.ts resolves proxy mode. */
function networkFor(mode: 'none' | 'open' | 'proxy'): string {
  return mode === 'open' ? 'bridge' : mode === 'none' ? 'none' : 'proxy';
}

export async function prepareRun(o: RunOptions): Promise<PreparedRun> {
  const host = await log.time('load host config', () => loadHostConfig(o.env));
  const profileName = o.profile ?? o.env.GOBOX_PROFILE ?? host.config.defaultProfile;
  const loaded = await log.time('load profile', () => loadProfile(profileName, o.env));
  const project = await resolveProject(o.cwd);
  const goEnv = mergeGoEnv({ profile: loaded.profile, profileFile: loaded.file, host: host.config, hostFile: host.file, callerEnv: o.env });
  // Bad values fail here, before anything is written or started; proxy mode then adds its own.
  validateGoEnv(goEnv);
  if (loaded.profile.network === 'proxy' && !loaded.profile.jail) applyProxyModeEnv(goEnv, host, loaded.name);
  // The process's own environment, never the request's: a daemon's caller must not pick root's store.
  const store = new ToolchainStores();
  const toolchain = await log.time('resolve toolchain', () =>
    chooseToolchain({ store, project, flag: o.go, env: o.env, profileDefault: loaded.profile.go, progress: o.progress, readText: o.readText, checkLater: o.overlapMountCheck }),
  );
  log.debug(`toolchain go${toolchain.version} from ${toolchain.source} (${toolchain.detail})`);
  const user = o.sandboxUser ?? chooseSandboxUser(currentIdentity(), project.root, o.env);
  if (user.note) log.debug(user.note);
  // A notice, not a log line: through the agent or the daemon it reaches the caller, not their log.
  if (user.warning) o.progress.notice(`warning: ${user.warning}`);
  const inputs: SandboxInputs = {
    user,
    profileName: loaded.name,
    profile: loaded.profile,
    project: { root: project.root, cwd: project.cwd, ...(user.projectReadOnly ? { readOnly: true } : {}) },
    toolchain: { version: toolchain.version, path: toolchain.path },
    command: o.command,
    goEnv,
    cacheVolume: cacheVolumeName(user.uid),
    // The roots come from the image this run uses, which a profile may change.
    caBundle: o.withoutCa ? undefined : await prepareCaBundle(host, o.env, loaded.profile.image),
    network: networkFor(loaded.profile.network),
    ...(loaded.profile.runtime ?? host.config.runtime ? { runtime: loaded.profile.runtime ?? host.config.runtime } : {}),
    tty: o.tty,
    stdin: o.stdin,
    term: o.env.TERM,
    session: {
      id: randomBytes(5).toString('hex'),
      pid: process.pid,
      pidStart: processStartTime(process.pid) ?? '',
      pidns: pidNamespace() ?? '',
      host: hostBootId(),
      now: new Date(),
    },
  };
  return { loaded, host, project, toolchain, user, goEnv, inputs };
}

/** The effective sandbox environment with sources, for `gobox env`. */
export function describeEnv(p: PreparedRun): EnvWithSources {
  const env = sandboxEnv(p.inputs);
  return {
    ...env,
    GOVERSION: { value: `go${p.toolchain.version}`, source: `${p.toolchain.source} (${p.toolchain.detail})` },
  };
}

/** What `gobox env` reports, in direct and daemon mode alike. */
export interface EnvReport {
  meta: {
    profile: { name: string; file: string };
    project: string;
    toolchain: { version: string; path: string; source: string; detail: string };
    user: string;
    cacheVolume: string;
    network: string;
    mode?: string;
  };
  env: EnvWithSources;
}

export function envReport(p: PreparedRun, mode?: string): EnvReport {
  return {
    meta: {
      profile: { name: p.loaded.name, file: p.loaded.file },
      project: p.project.root,
      toolchain: { version: `go${p.toolchain.version}`, path: p.toolchain.path, source: p.toolchain.source, detail: p.toolchain.detail },
      user: `${p.user.uid}:${p.user.gid}`,
      cacheVolume: p.inputs.cacheVolume,
      network: p.loaded.profile.network,
      ...(mode ? { mode } : {}),
    },
    env: describeEnv(p),
  };
}
