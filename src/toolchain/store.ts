import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GoboxError, ToolchainError } from '../common/errors.js';
import { toolchainsDir } from '../common/paths.js';
import { clearStaleLocks, withLock } from '../common/lock-file.js';
import { silentProgress, type Progress } from '../common/progress.js';
import { cleanStaleTemps, removeTree, tempName } from '../common/temp.js';
import { importBuild, installBuild } from './builders.js';
import { findHostGo } from './host-go.js';
import { MANIFEST_DIR, removeManifest, type ManifestSource } from './manifest.js';
import { availableVersions, chooseArchive, defaultMirror, fetchIndex, type AvailableVersion } from './mirror.js';
import { cancellable, placeToolchain, storeError } from './place.js';
import { readVersionFile } from './verify.js';
import { compareGoVersions, normalizeGoVersion, parseGoVersion, toolchainName } from './version.js';

export interface InstalledToolchain {
  /** "1.22.5" */
  version: string;
  /** "go1.22.5", also the dir name in the store */
  name: string;
  /** The GOROOT */
  path: string;
}

export interface InstallOptions {
  /** Mirror base URL; defaults to GOBOX_GO_MIRROR, else the official site. */
  mirror?: string | undefined;
  progress?: Progress | undefined;
  signal?: AbortSignal | undefined;
  /** Another store's copy of the chosen version (the system store's); when there is one, nothing is downloaded. */
  elsewhere?: ((version: string) => Promise<InstalledToolchain | undefined>) | undefined;
}

export interface RemoveOptions {
  /** Asked before removing; true refuses (a running sandbox has this GOROOT mounted). */
  inUse?: ((version: string) => Promise<boolean>) | undefined;
}

/**
 * The host's Go toolchains: <root>/go1.X.Y/ is a complete GOROOT, one copy per version, shared
 * read-only by every user. Nothing appears under a go1* name until it is complete and verified:
 * every install builds in a ".tmp-*" dir in the same root and is renamed into place.
 */
export class ToolchainStore {
  constructor(readonly root: string = toolchainsDir()) {}

  /** Installed toolchains, newest first by Go's ordering. */
  async list(): Promise<InstalledToolchain[]> {
    await this.tidy();
    let entries: string[];
    try {
      entries = await fs.readdir(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeError(e, `cannot read the toolchain store ${this.root}`);
    }
    const found = await Promise.all(
      entries.map(async (name) => {
        const version = name.startsWith('go') ? parseGoVersion(name) : undefined;
        if (!version || name !== toolchainName(version)) return undefined;
        const st = await fs.stat(path.join(this.root, name)).catch(() => undefined);
        return st?.isDirectory() ? this.entry(version.text) : undefined;
      }),
    );
    return found.filter((t): t is InstalledToolchain => t !== undefined).sort((a, b) => compareGoVersions(b.version, a.version));
  }

  /** The GOROOT a version has (or would have) in the store. */
  path(version: string): string {
    return path.join(this.root, toolchainName(version));
  }

  async get(version: string): Promise<InstalledToolchain | undefined> {
    const v = normalizeGoVersion(version);
    const st = await fs.stat(this.path(v)).catch(() => undefined);
    return st?.isDirectory() ? this.entry(v) : undefined;
  }

  /** The GOROOT of the `go` on PATH, to seed an empty store on first use. */
  findHostGo(): Promise<string | undefined> {
    return findHostGo();
  }

  /**
   * Copies an existing GOROOT (following symlinks) into the store. Returns the existing copy
   * when the version is already there.
   */
  async importDir(dir: string, progress: Progress = silentProgress): Promise<InstalledToolchain> {
    const src = path.resolve(dir);
    const st = await fs.stat(src).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new ToolchainError(`${src} is not a directory`, { hint: 'give the GOROOT of a Go install, e.g. $(go env GOROOT)' });
    }
    const version = await readVersionFile(src);
    const { source, build } = importBuild(src, version, progress);
    return this.place(version, 'import', progress, undefined, source, build);
  }

  /** Downloads, verifies and unpacks a release from a mirror: "1.22.5", "go1.22.5", "1.22" or "latest". */
  async install(version: string, opts: InstallOptions = {}): Promise<InstalledToolchain> {
    const mirror = opts.mirror ?? defaultMirror();
    const progress = opts.progress ?? silentProgress;
    const { signal } = opts;
    const choice = await cancellable(`install of ${version}`, signal, async () =>
      chooseArchive(await fetchIndex(mirror, signal), version, mirror),
    );
    const there = await opts.elsewhere?.(choice.version);
    if (there) return there;
    const { source, build } = installBuild(choice, mirror, progress, signal);
    return this.place(choice.version, 'install', progress, signal, source, build);
  }

  /** Versions the mirror offers for this OS and CPU, newest first. */
  async available(mirror: string = defaultMirror(), signal?: AbortSignal): Promise<AvailableVersion[]> {
    return availableVersions(await fetchIndex(mirror, signal));
  }

  /**
   * Removes a version. The tree is first renamed to a temp name, so a half-deleted GOROOT never
   * shows as installed. The inUse check and the rename are not atomic: a sandbox starting in
   * between keeps its bind mount of the old inode tree, so it still runs to completion.
   */
  async remove(version: string, opts: RemoveOptions = {}): Promise<void> {
    const v = normalizeGoVersion(version);
    const name = toolchainName(v);
    await this.tidy();
    if (!(await this.get(v))) throw new ToolchainError(`${name} is not installed`, { hint: 'gobox toolchain list' });
    if (await opts.inUse?.(v)) {
      throw new ToolchainError(`${name} is in use by a running sandbox`, { hint: 'stop the sandboxes that use it, then remove it again' });
    }
    await withLock(this.root, name, async () => {
      const aside = path.join(this.root, tempName('remove', name));
      try {
        await fs.rename(this.path(v), aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // removed meanwhile
        throw storeError(e, `cannot remove ${name}`);
      }
      await removeManifest(this.root, name).catch(() => {});
      await removeTree(aside);
    }).catch((e: unknown) => {
      throw e instanceof GoboxError ? e : storeError(e, `cannot remove ${name}`);
    });
  }

  /** What a killed install or remove left behind (owner pid gone): temp dirs, then locks. */
  async tidy(): Promise<void> {
    await cleanStaleTemps(this.root);
    await cleanStaleTemps(path.join(this.root, MANIFEST_DIR));
    await clearStaleLocks(this.root);
  }

  private entry(version: string): InstalledToolchain {
    return { version, name: toolchainName(version), path: this.path(version) };
  }

  /**
   * Builds a copy through placeToolchain (place.ts): temp dir, `go version` check, modes,
   * manifest, rename. Says so when the version was there already (or appeared meanwhile).
   */
  private async place(
    version: string,
    purpose: string,
    progress: Progress,
    signal: AbortSignal | undefined,
    source: ManifestSource,
    build: (goroot: string, work: string) => Promise<void>,
  ): Promise<InstalledToolchain> {
    const name = toolchainName(version);
    const final = this.path(version);
    // A notice when nothing was under way; else it ends the open step (waiting, or our own copy).
    let stepOpen = false;
    const already = (): InstalledToolchain => {
      const msg = `${name} is already installed in ${final}`;
      if (stepOpen) progress.succeed(msg);
      else progress.notice(msg);
      return this.entry(version);
    };
    await this.tidy();
    if (await this.get(version)) return already();
    const onWait = (pid: string): void => {
      stepOpen = true;
      progress.start(`Waiting for another install of ${name} (pid ${pid})`);
    };
    const existing = async () => {
      const there = (await this.get(version)) !== undefined;
      if (!there) stepOpen = true;
      return there;
    };
    try {
      const r = await placeToolchain({ root: this.root, version, purpose, source, progress, signal, build, existing }, onWait);
      if (!r.placed) return already();
    } catch (e) {
      if (stepOpen) progress.fail(e instanceof Error ? e.message : String(e));
      throw e;
    }
    progress.succeed(`Installed ${name} in ${final}`);
    return this.entry(version);
  }
}
