import type { Progress } from '../../common/progress.js';
import { ToolchainError } from '../../common/errors.js';
import { logger } from '../../common/logger.js';
import { checkBeforeMount } from '../../toolchain/mount-check.js';
import { toolchainName } from '../../toolchain/version.js';
import { quarantined } from './quarantine.js';
import { resolveToolchain, type ResolvedToolchain } from '../../toolchain/resolve.js';
import type { ToolchainStores } from '../../toolchain/stores.js';
import type { Project } from '../run/project.js';

const log = logger('toolchain');

export interface ChosenToolchain extends ResolvedToolchain {
  path: string;
  /**
   * The check before a mount (checkMountable). Settled already, unless the caller asked for it
   * to run while the engine is readied: then readyEngine (app/run/run.ts) awaits it before its
   * network step (proxy mode runs the toolchain's go on the host) and so before it returns: no
   * sandbox is created or started, and no go of it run, on a toolchain that has not passed.
   */
  mountCheck: Promise<void>;
}

/**
 * On a fresh host the stores are empty: import the Go found on PATH once, with a notice, so
 * `gobox run go version` works with no download at all. A user who can read the
 * administrator's toolchains imports nothing.
 */
export async function ensureSomeToolchain(store: ToolchainStores, progress: Progress): Promise<void> {
  if ((await store.list()).length > 0) return;
  const hostGo = await store.findHostGo();
  if (!hostGo) return;
  progress.notice(`the toolchain store ${store.own.root} is empty; importing the host's Go from ${hostGo} (first use only)`);
  await store.importDir(hostGo, progress);
}

export async function chooseToolchain(opts: {
  store: ToolchainStores;
  project: Project;
  flag?: string | undefined;
  env: NodeJS.ProcessEnv;
  profileDefault: string;
  readText?: ((file: string) => Promise<string | undefined>) | undefined;
  progress: Progress;
  /** Start the check and return before it ends: the caller awaits mountCheck before any sandbox exists. */
  checkLater?: boolean | undefined;
}): Promise<ChosenToolchain> {
  await ensureSomeToolchain(opts.store, opts.progress);
  const installed = await opts.store.list();
  if (installed.length === 0) {
    throw new ToolchainError(`no Go toolchain is installed in ${opts.store.roots.join(' or ')}`, {
      hint: 'import one: gobox toolchain import /usr/lib/go-1.19, or install one: gobox toolchain install 1.22.5',
    });
  }
  const resolved = await resolveToolchain({
    flag: opts.flag,
    env: opts.env,
    cwd: opts.project.cwd,
    project: opts.project,
    profileDefault: opts.profileDefault,
    readText: opts.readText,
    installed: installed.map((t) => t.version),
  });
  const chosen = installed.find((t) => t.version === resolved.version)!;
  const mountCheck = log.time('check toolchain before mount', () => checkMountable(chosen.path, chosen.version));
  if (!opts.checkLater) await mountCheck;
  // Handled here so a refusal that nobody awaited yet (the engine failed first) is no unhandled rejection; awaiting it still throws.
  mountCheck.catch(() => {});
  return { ...resolved, path: chosen.path, mountCheck };
}

/**
 * Refuses a toolchain that changed since it was installed (a stat of every entry against its
 * manifest, toolchain/mount-check.ts), or that this process's last full verify found bad.
 */
export async function checkMountable(goroot: string, version: string): Promise<void> {
  const bad = quarantined(goroot);
  if (bad) {
    throw new ToolchainError(`${toolchainName(version)} failed the last full verify (${bad}); refusing to mount it`, {
      hint: `see gobox toolchain verify ${version}; restore it with gobox toolchain verify --repair ${version}, then reload the daemon`,
    });
  }
  const r = await checkBeforeMount(goroot, version);
  if (!r.manifest) log.debug(`${toolchainName(version)} has no manifest (installed before gobox recorded them): gobox toolchain verify --record ${version}`);
}
