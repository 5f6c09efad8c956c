import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { errorMessage } from '../../common/errors.js';
import { isVerbose, logger } from '../../common/logger.js';
import type { AttachEnd, Engine, SandboxHandle } from '../../engine/index.js';
import { buildSandboxSpec } from '../../sandbox/spec.js';
import type { SandboxSpec } from '../../sandbox/types.js';
import { LAUNCH_FILE, LAUNCHER, WARM_LABEL, warmSandboxSpec } from '../../sandbox/warm-spec.js';
import type { WarmSandbox } from '../run/execute.js';
import { sandboxLoginName, writeIdentityFiles, type IdentityFiles } from '../run/identity-files.js';
import { recordWarning } from '../checks/warning-log.js';
import { OutputRelay } from './output-relay.js';
import type { PreparedRun } from '../run/prepare.js';

const log = logger('warm');

export { LAUNCH_FILE, LAUNCHER, WAITING_COMMAND, WARM_LABEL } from '../../sandbox/warm-spec.js';

/** A warm sandbox nobody claimed within this time is removed. */
export const WARM_MAX_AGE_MS = 60_000;

/**
 * What a sandbox started ahead runs now: its label was written before the command was known,
 * so the processes tell. The command kept the launcher's pid (exec), so it is the first process
 * that is not the launcher or the init running it; none means it still waits.
 */
export async function warmSandboxCommand(engine: Engine, id: string): Promise<string | undefined> {
  const procs = await engine.sandboxProcesses(id);
  return procs.find((cmd) => !cmd.includes(LAUNCHER));
}

/**
 * Removes a sandbox started ahead that no run has taken yet, so it holds nothing an exclusive
 * operation needs (a toolchain to remove, a cache to trim); its agent starts a fresh one when it
 * next serves a run. True when it was waiting and is gone; false for any other sandbox.
 */
export async function discardIfWaiting(engine: Engine, box: { id: string; state: string; labels: Record<string, string> }): Promise<boolean> {
  if (box.state !== 'running' || box.labels[WARM_LABEL] !== 'true') return false;
  if ((await warmSandboxCommand(engine, box.id).catch(() => '(unknown)')) !== undefined) return false;
  await engine.removeSandbox(box.id);
  return true;
}

/** The command as a script for sh: every argument single-quoted, so nothing is expanded. */
export function launchScript(command: string[]): string {
  const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  return [
    `set -- ${command.map(q).join(' ')}`,
    // A path that is there but cannot be run: 126, in the words of a direct run (start-failure.ts).
    'case $1 in */*) if [ -e "$1" ] && { [ -d "$1" ] || [ ! -x "$1" ]; }; then echo "gobox: $1: cannot execute in the sandbox: permission denied" >&2; exit 126; fi;; esac',
    'command -v "$1" >/dev/null 2>&1 || { echo "gobox: $1: command not found in the sandbox" >&2; exit 127; }',
    'exec "$@"',
    '',
  ].join('\n');
}

/**
 * What must be equal for a warm sandbox to serve a run: the whole spec except what is the run's
 * own (name, labels, command) and the per-sandbox files (identity, launch file), which carry the
 * same content for the same user.
 */
export function shapeKey(spec: SandboxSpec): string {
  const mounts = spec.mounts
    .filter((m) => m.target !== LAUNCH_FILE)
    .map((m) => (m.kind === 'bind' && (m.target === '/etc/passwd' || m.target === '/etc/group') ? { ...m, source: '' } : m));
  const { name: _n, labels: _l, command: _c, ...rest } = spec;
  return JSON.stringify({ ...rest, mounts });
}

/** Which parts of two shape keys differ (env names included), for a -v line on why a warm sandbox was not used. */
export function shapeDifference(a: string, b: string): string {
  const x = JSON.parse(a) as Record<string, unknown>;
  const y = JSON.parse(b) as Record<string, unknown>;
  const differs = (k: string) => JSON.stringify(x[k]) !== JSON.stringify(y[k]);
  const envNames = (o: Record<string, unknown>) => Object.entries((o.env ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
  const parts = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter(differs).map((k) => {
    if (k !== 'env') return k;
    const ex = new Set(envNames(x));
    const ey = new Set(envNames(y));
    const names = [...ex, ...ey].filter((kv) => !(ex.has(kv) && ey.has(kv))).map((kv) => kv.split('=')[0]);
    return `env ${[...new Set(names)].join(', ')}`;
  });
  return parts.join('; ') || 'nothing';
}

/** The attach made before the sandbox started: the launcher's "go" and the run's stdin go in, its output comes out. */
interface EarlyAttach {
  stdin: PassThrough;
  stdout: OutputRelay;
  stderr: OutputRelay;
  attached: { detach(): void; ended: Promise<AttachEnd | void> };
}

interface Entry {
  key: string;
  box: SandboxHandle;
  early: EarlyAttach;
  ids: IdentityFiles;
  launchFile: string;
  /** The project directory the sandbox mounted: a run from a replaced directory must not get it. */
  project: { root: string; dev: number; ino: number };
  /**
   * The GOROOT it mounted: one replaced since (verify --repair renames a fresh copy in) passes the
   * next run's mount check, but the sandbox would still hold the old tree.
   */
  goroot: { path: string; dev: number; ino: number };
  timer: NodeJS.Timeout;
}

async function dirId(dir: string): Promise<{ dev: number; ino: number } | undefined> {
  try {
    const st = await stat(dir);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

/**
 * Sandboxes started ahead by the agent, so the next run of the same shape skips the engine's
 * create and start (most of a short run's cost). Each serves exactly one run, like a sandbox
 * started for it: a fresh container, empty /tmp, nothing left from the run before. At most one
 * waits at a time (the shape of the latest run); it is removed when unclaimed for
 * WARM_MAX_AGE_MS, when the shape changes, or when the agent stops. Only non-TTY runs under runc
 * (or Podman's runtime) use it.
 */
export class WarmPool {
  private entry: Entry | undefined;
  private filling: { key: string; done: Promise<void> } | undefined;

  /** The waiting sandbox, when it fits this run exactly; the caller then owns it. */
  async claim(engine: Engine, spec: SandboxSpec, projectRoot: string): Promise<(WarmSandbox & { dispose(): Promise<void> }) | undefined> {
    if (spec.tty) return undefined;
    const key = shapeKey(spec);
    // A start under way for this very shape is worth waiting for: it is further along than a new one.
    if (this.filling?.key === key) await this.filling.done;
    const e = this.entry;
    if (!e || e.key !== key) {
      if (e && isVerbose()) log.debug(`the warm sandbox has another shape (${shapeDifference(e.key, key)}): not used`);
      return undefined;
    }
    this.entry = undefined;
    clearTimeout(e.timer);
    const now = await dirId(projectRoot);
    const goroot = await dirId(e.goroot.path);
    const state = await e.box.inspectState().catch(() => undefined);
    if (!now || e.project.root !== projectRoot || now.dev !== e.project.dev || now.ino !== e.project.ino || !state?.running
      || !goroot || goroot.dev !== e.goroot.dev || goroot.ino !== e.goroot.ino) {
      log.debug('the warm sandbox no longer fits (project or toolchain replaced, or it stopped): starting a new one');
      void this.discard(e, engine);
      return undefined;
    }
    return {
      box: e.box,
      launch: (command) => writeFile(e.launchFile, launchScript(command)),
      connect: (stdout: Writable, stderr: Writable) => {
        e.early.stdout.plug(stdout);
        e.early.stderr.plug(stderr);
        return { stdin: e.early.stdin, attached: e.early.attached };
      },
      dispose: () => e.ids.dispose(),
    };
  }

  /**
   * Starts the sandbox for the next run like this one, in the background (errors are only
   * logged). Not under gVisor: its process list (engine top) is not the sandbox's, so nothing
   * could tell a waiting sandbox from a busy one (admin ps, trims, toolchain remove).
   */
  refill(engine: Engine, p: PreparedRun, like: SandboxSpec): void {
    if (like.tty || like.runtime === 'runsc') return;
    const fill = { key: shapeKey(like), done: this.start(engine, p, like).catch((err: unknown) => log.debug(`no warm sandbox: ${errorMessage(err)}`)) };
    this.filling = fill;
    void fill.done.finally(() => {
      if (this.filling === fill) this.filling = undefined;
    });
  }

  /** Removes the waiting sandbox (the agent stops). */
  async drain(engine: Engine): Promise<void> {
    await this.filling?.done;
    const e = this.entry;
    this.entry = undefined;
    if (e) await this.discard(e, engine);
  }

  private async start(engine: Engine, p: PreparedRun, like: SandboxSpec): Promise<void> {
    const project = await dirId(p.project.root);
    const goroot = await dirId(p.toolchain.path);
    if (!project || !goroot) return;
    const ids = await writeIdentityFiles(p.user, sandboxLoginName(p));
    const launchFile = path.join(path.dirname(ids.passwd), 'launch');
    await writeFile(launchFile, '', { mode: 0o644 });
    const session = { ...p.inputs.session, id: randomBytes(5).toString('hex'), now: new Date() };
    const built = buildSandboxSpec({ ...p.inputs, session, identityFiles: ids });
    const spec = warmSandboxSpec(built, launchFile, WARM_MAX_AGE_MS);
    let box: SandboxHandle | undefined;
    let early: EarlyAttach | undefined;
    try {
      box = await engine.createSandbox(spec);
      // Attached before the start, as a sandbox started for its run is: the engine then ends the
      // output stream as soon as the command exits (output-relay.ts).
      const stdin = new PassThrough();
      const stdout = new OutputRelay();
      const stderr = new OutputRelay();
      early = { stdin, stdout, stderr, attached: await box.attach({ stdin, stdout, stderr, tty: false }) };
      await box.start();
    } catch (err) {
      early?.attached.detach();
      if (box) await box.remove().catch(() => {});
      await ids.dispose();
      throw err;
    }
    const entry: Entry = {
      key: shapeKey(spec), box, early, ids, launchFile, project: { root: p.project.root, ...project }, goroot: { path: p.toolchain.path, ...goroot },
      timer: setTimeout(() => {
        if (this.entry === entry) this.entry = undefined;
        void this.discard(entry, engine);
      }, WARM_MAX_AGE_MS),
    };
    entry.timer.unref();
    const old = this.entry;
    this.entry = entry;
    if (old) void this.discard(old, engine);
  }

  private async discard(e: Entry, engine: Engine): Promise<void> {
    clearTimeout(e.timer);
    // Podman keeps a container locked while an attach is open: let go before removing it.
    e.early.attached.detach();
    await engine.removeSandbox(e.box.id).catch(async (err: unknown) => {
      // Nobody is attached to hear it now: kept for gobox doctor (the sweeper removes the box later).
      log.debug(`removing warm sandbox: ${errorMessage(err)}`);
      await recordWarning('sandbox-remove', `warning: could not remove the warm sandbox ${e.box.id.slice(0, 12)} (${errorMessage(err)}); the next gobox run or gobox gc removes it`);
    });
    await e.ids.dispose();
  }
}
