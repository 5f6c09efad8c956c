import { createLabels } from '../common/labels.js';
import { parseDuration, parseSize } from '../common/units.js';
import { fixedEnv, GO_ENV_KEYS, plainEnv, SANDBOX_PATHS, type EnvWithSources } from './env.js';
import type { SandboxProfile } from './profile.js';
import type { SandboxMount, SandboxSpec, Ulimit } from './types.js';

export interface SandboxInputs {
  user: { uid: number; gid: number };
  profileName: string;
  profile: SandboxProfile;
  /**
   * Host directory to mount (nearest go.work/go.mod dir) and the caller's cwd inside it;
   * readOnly when the sandbox user could not write there anyway (root's own project).
   */
  project: { root: string; cwd: string; readOnly?: boolean };
  toolchain: { version: string; path: string };
  command: string[];
  /** Go settings already merged from profile, host config and caller (see app/run/go-env.ts). */
  goEnv: EnvWithSources;
  cacheVolume: string;
  /** Host path of the merged CA bundle, when the host configures one. */
  caBundle?: string;
  /** Generated passwd/group files naming the sandbox user, mounted read-only over /etc's. */
  identityFiles?: { passwd: string; group: string };
  /** Host directory for jail outputs, mounted at /out. */
  outDir?: string;
  /** The engine network to join; resolved by app/ from the profile's network mode. */
  network: string;
  runtime?: string;
  tty: boolean;
  stdin: boolean;
  term?: string;
  session: { id: string; pid: number; pidStart: string; pidns?: string; host: string; now: Date };
}

/** Slack beyond the wall-clock limit before a leftover sandbox counts as expired for the sweeper. */
const EXPIRY_GRACE_MS = 5 * 60_000;
const NO_EXPIRY_MS = 7 * 24 * 3_600_000;
const LOG_MAX_BYTES = 1024 * 1024;

function bytes(text: string | number, field: string): number {
  const v = parseSize(text);
  // Profiles are validated by zod before they get here; this guards direct library callers.
  if (v === undefined) throw new TypeError(`invalid size for ${field}: ${text}`);
  return v;
}

function mounts(i: SandboxInputs): SandboxMount[] {
  const { uid, gid } = i.user;
  const list: SandboxMount[] = [
    { kind: 'bind', source: i.toolchain.path, target: SANDBOX_PATHS.goroot, readonly: true },
    // The project sits at its host path so paths in compiler errors match the host.
    { kind: 'bind', source: i.project.root, target: i.project.root, readonly: i.profile.jail || i.project.readOnly === true },
    { kind: 'volume', name: i.cacheVolume, target: SANDBOX_PATHS.cache, readonly: false },
    // exec is allowed on /tmp: `go test` and `go run` execute binaries from GOTMPDIR.
    { kind: 'tmpfs', target: SANDBOX_PATHS.tmp, sizeBytes: bytes(i.profile.limits.tmp, 'limits.tmp'), mode: '1777' },
    { kind: 'tmpfs', target: SANDBOX_PATHS.home, sizeBytes: bytes(i.profile.limits.home, 'limits.home'), mode: '0700', uid, gid },
  ];
  if (i.identityFiles) {
    list.push({ kind: 'bind', source: i.identityFiles.passwd, target: '/etc/passwd', readonly: true });
    list.push({ kind: 'bind', source: i.identityFiles.group, target: '/etc/group', readonly: true });
  }
  if (i.caBundle) list.push({ kind: 'bind', source: i.caBundle, target: SANDBOX_PATHS.caBundle, readonly: true });
  if (i.outDir) list.push({ kind: 'bind', source: i.outDir, target: SANDBOX_PATHS.out, readonly: false });
  return list;
}

function ulimits(p: SandboxProfile): Ulimit[] {
  const fsize = bytes(p.limits.fsize, 'limits.fsize');
  return [
    { name: 'nofile', soft: p.limits.nofile, hard: p.limits.nofile },
    { name: 'fsize', soft: fsize, hard: fsize },
    { name: 'core', soft: 0, hard: 0 },
  ];
}

/** The whole environment with the source of every value; later layers never override gobox's own. */
export function sandboxEnv(i: Pick<SandboxInputs, 'goEnv' | 'caBundle' | 'tty' | 'term' | 'profile'>): EnvWithSources {
  const fixed = fixedEnv({ caBundle: Boolean(i.caBundle), tty: i.tty, term: i.term });
  // Only allowlisted Go settings pass, whatever the caller built: never GOROOT, LD_PRELOAD, ...
  const allowed = Object.fromEntries(Object.entries(i.goEnv).filter(([k]) => (GO_ENV_KEYS as readonly string[]).includes(k)));
  return { ...allowed, ...fixed };
}

/**
 * The security contract of DESIGN.md as one pure function. Every sandbox gobox starts, in any
 * mode, comes from here: a reviewer reads this file to know what a container gets.
 */
export function buildSandboxSpec(i: SandboxInputs): SandboxSpec {
  if (i.user.uid === 0 || i.user.gid === 0) {
    throw new RangeError('a sandbox never runs as root (uid or gid 0)');
  }
  const memory = bytes(i.profile.limits.memory, 'limits.memory');
  const timeoutMs = parseDuration(i.profile.limits.timeout) ?? 0;
  const created = i.session.now;
  const expires = new Date(created.getTime() + (timeoutMs > 0 ? timeoutMs + EXPIRY_GRACE_MS : NO_EXPIRY_MS));
  const labels = createLabels({
    owner: i.user.uid,
    session: i.session.id,
    profile: i.profileName,
    pid: i.session.pid,
    pidStart: i.session.pidStart,
    ...(i.session.pidns ? { pidns: i.session.pidns } : {}),
    host: i.session.host,
    created,
    expires,
    command: i.command,
    toolchain: i.toolchain.version,
  });
  return {
    name: `gobox-${i.user.uid}-${i.session.id}`,
    image: i.profile.image,
    command: i.command,
    workdir: i.project.cwd,
    env: plainEnv(sandboxEnv(i)),
    labels,
    mounts: mounts(i),
    limits: {
      memoryBytes: memory,
      memorySwapBytes: memory,
      nanoCpus: Math.round(i.profile.limits.cpus * 1e9),
      pids: i.profile.limits.pids,
      ulimits: ulimits(i.profile),
      logMaxBytes: LOG_MAX_BYTES,
    },
    security: {
      user: `${i.user.uid}:${i.user.gid}`,
      capDrop: ['ALL'],
      capAdd: [],
      noNewPrivileges: true,
      readonlyRootfs: true,
      init: true,
      seccomp: i.profile.ptrace ? 'default' : 'no-tracing',
    },
    network: i.profile.jail ? 'none' : i.network,
    ...(i.runtime ?? i.profile.runtime ? { runtime: i.runtime ?? i.profile.runtime } : {}),
    tty: i.tty,
    stdin: i.stdin,
  };
}
