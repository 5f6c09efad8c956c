import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { ToolchainError } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { systemStateDir, systemToolchainsDir, toolchainsDir } from '../common/paths.js';
import { silentProgress, type Progress } from '../common/progress.js';
import { readVersionFile } from './verify.js';
import { ToolchainStore, type InstallOptions, type InstalledToolchain, type RemoveOptions } from './store.js';
import { compareGoVersions, normalizeGoVersion, toolchainName } from './version.js';

const log = logger('toolchain');

/** Where a toolchain lives: the administrator's store every user reads, or the caller's own. */
export type StoreKind = 'system' | 'user';

export interface ListedToolchain extends InstalledToolchain {
  store: StoreKind;
}

/**
 * The toolchains a caller can use: the system store (root's, read-only to others) first, then
 * their own. A user without root thus runs the administrator's toolchains without a copy of
 * their own (a Go is ~270 MB), and what they install themselves goes to their own store.
 * For root and the daemon the two are one store.
 */
export class ToolchainStores {
  readonly own: ToolchainStore;
  readonly system: ToolchainStore | undefined;
  readonly ownKind: StoreKind;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.own = new ToolchainStore(toolchainsDir(env));
    const sys = systemToolchainsDir(env);
    this.system = sys === undefined ? undefined : new ToolchainStore(sys);
    this.ownKind = this.own.root === path.join(systemStateDir(env), 'toolchains') ? 'system' : 'user';
  }

  /** The stores' roots, system first, for messages. */
  get roots(): string[] {
    return [...(this.system ? [this.system.root] : []), this.own.root];
  }

  /** Every usable toolchain, newest first; a version in both stores is the system's copy. */
  async list(): Promise<ListedToolchain[]> {
    const system = this.system ? await this.readable(this.system) : [];
    const own = (await this.own.list()).map((t) => ({ ...t, store: this.ownKind }));
    const seen = new Set(system.map((t) => t.version));
    return [...system, ...own.filter((t) => !seen.has(t.version))].sort((a, b) => compareGoVersions(b.version, a.version));
  }

  async get(version: string): Promise<ListedToolchain | undefined> {
    const v = normalizeGoVersion(version);
    return (await this.list()).find((t) => compareGoVersions(t.version, v) === 0);
  }

  findHostGo(): Promise<string | undefined> {
    return this.own.findHostGo();
  }

  /** Imports into the caller's own store, unless the system store has that version already. */
  async importDir(dir: string, progress: Progress = silentProgress): Promise<ListedToolchain> {
    const version = await readVersionFile(path.resolve(dir)).catch(() => undefined);
    const shared = version === undefined ? undefined : await this.inSystem(version, progress);
    return shared ?? { ...(await this.own.importDir(dir, progress)), store: this.ownKind };
  }

  /** Installs into the caller's own store, unless the version the mirror picks is in the system store. */
  async install(version: string, opts: InstallOptions = {}): Promise<ListedToolchain> {
    let shared: ListedToolchain | undefined;
    const elsewhere = async (v: string) => (shared = await this.inSystem(v, opts.progress ?? silentProgress));
    const t = await this.own.install(version, { ...opts, elsewhere });
    return shared ?? { ...t, store: this.ownKind };
  }

  async remove(version: string, opts: RemoveOptions = {}): Promise<void> {
    const v = normalizeGoVersion(version);
    if (!(await this.own.get(v)) && this.system && (await this.system.get(v))) {
      throw new ToolchainError(`${toolchainName(v)} is in the system store ${this.system.root}, which only an administrator changes`, {
        hint: `ask an administrator: sudo gobox toolchain remove ${v}`,
      });
    }
    await this.own.remove(v, opts);
  }

  private async inSystem(version: string, progress: Progress): Promise<ListedToolchain | undefined> {
    if (!this.system) return undefined;
    const v = normalizeGoVersion(version);
    const hit = (await this.readable(this.system)).find((t) => compareGoVersions(t.version, v) === 0);
    if (hit) progress.notice(`${hit.name} is already installed in the system store ${this.system.root}; nothing copied`);
    return hit;
  }

  /**
   * The system store's toolchains this caller can read: a rootless engine bind-mounts only what
   * its user may read, so one they cannot would fail at run time instead of falling back.
   */
  private async readable(store: ToolchainStore): Promise<ListedToolchain[]> {
    const all = await store.list().catch((e: unknown) => {
      log.debug(`system store ${store.root} unreadable: ${(e as Error).message}`);
      return [];
    });
    const ok = await Promise.all(all.map((t) => fs.access(path.join(t.path, 'bin', 'go'), constants.R_OK | constants.X_OK).then(() => true, () => false)));
    return all.filter((_, i) => ok[i]).map((t) => ({ ...t, store: 'system' as const }));
  }
}
