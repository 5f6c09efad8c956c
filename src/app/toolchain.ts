import type { Progress } from '../common/progress.js';
import { ToolchainError } from '../common/errors.js';
import { resolveToolchain, type ResolvedToolchain } from '../toolchain/resolve.js';
import { ToolchainStore } from '../toolchain/store.js';
import type { Project } from './project.js';

export interface ChosenToolchain extends ResolvedToolchain {
  path: string;
}

/**
 * On a fresh host the store is empty: import the Go found on PATH once, with a notice, so
 * `gobox run go version` works with no download at all.
 */
export async function ensureSomeToolchain(store: ToolchainStore, progress: Progress): Promise<void> {
  if ((await store.list()).length > 0) return;
  const hostGo = await store.findHostGo();
  if (!hostGo) return;
  progress.notice(`the toolchain store ${store.root} is empty; importing the host's Go from ${hostGo} (first use only)`);
  await store.importDir(hostGo, progress);
}

export async function chooseToolchain(opts: {
  store: ToolchainStore;
  project: Project;
  flag?: string | undefined;
  env: NodeJS.ProcessEnv;
  profileDefault: string;
  readText?: ((file: string) => Promise<string | undefined>) | undefined;
  progress: Progress;
}): Promise<ChosenToolchain> {
  await ensureSomeToolchain(opts.store, opts.progress);
  const installed = await opts.store.list();
  if (installed.length === 0) {
    throw new ToolchainError(`no Go toolchain is installed in ${opts.store.root}`, {
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
  return { ...resolved, path: opts.store.path(resolved.version) };
}
