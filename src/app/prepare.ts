import { randomBytes } from 'node:crypto';
import { currentIdentity, hostBootId, processStartTime } from '../common/identity.js';
import { logger } from '../common/logger.js';
import type { Progress } from '../common/progress.js';
import { loadHostConfig } from '../config/host-config.js';
import { loadProfile, type LoadedProfile } from '../config/profiles.js';
import type { HostConfig } from '../config/schema.js';
import type { EnvWithSources } from '../sandbox/env.js';
import { sandboxEnv, type SandboxInputs } from '../sandbox/spec.js';
import { ToolchainStore } from '../toolchain/store.js';
import { cacheVolumeName } from './cache-volume.js';
import { mergeGoEnv } from './go-env.js';
import { validateGoEnv } from '../config/go-env-rules.js';
import { applyProxyModeEnv } from './proxy-env.js';
import { prepareCaBundle } from './ca-bundle.js';
import { resolveProject, type Project } from './project.js';
import { chooseSandboxUser, type SandboxUser } from './sandbox-user.js';
import { chooseToolchain, type ChosenToolchain } from './toolchain.js';

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
  /** How version files are read; the daemon passes what the user could read (path-probe.ts). */
  readText?: ((file: string) => Promise<string | undefined>) | undefined;
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

/** Before the engine is asked (gobox env): the mode's plain network; app/network.ts resolves proxy mode. */
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
  const store = new ToolchainStore();
  const toolchain = await log.time('resolve toolchain', () =>
    chooseToolchain({ store, project, flag: o.go, env: o.env, profileDefault: loaded.profile.go, progress: o.progress, readText: o.readText }),
  );
  log.debug(`toolchain go${toolchain.version} from ${toolchain.source} (${toolchain.detail})`);
  const user = chooseSandboxUser(currentIdentity(), project.root, o.env);
  if (user.note) log.debug(user.note);
  const inputs: SandboxInputs = {
    user,
    profileName: loaded.name,
    profile: loaded.profile,
    project: { root: project.root, cwd: project.cwd },
    toolchain: { version: toolchain.version, path: toolchain.path },
    command: o.command,
    goEnv,
    cacheVolume: cacheVolumeName(user.uid),
    caBundle: await prepareCaBundle(host, o.env),
    network: networkFor(loaded.profile.network),
    ...(loaded.profile.runtime ?? host.config.runtime ? { runtime: loaded.profile.runtime ?? host.config.runtime } : {}),
    tty: o.tty,
    stdin: o.stdin,
    term: o.env.TERM,
    session: {
      id: randomBytes(5).toString('hex'),
      pid: process.pid,
      pidStart: processStartTime(process.pid) ?? '',
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
