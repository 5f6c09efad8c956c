import type { HelperCaller } from '../common/helper-caller.js';
import { LABEL } from '../common/labels.js';
import type { SandboxLimits, SandboxMount, SandboxSpec } from './types.js';

/**
 * Every short container gobox starts besides the user's sandbox, as data: the cache's owner
 * helpers, the CA roots reader, the limits probe. Each is hardened like a sandbox (no
 * capabilities but the one it needs, no-new-privileges, read-only root, no network) and carries
 * the owning process's labels, so a sweeper removes it when the gobox that started it is gone.
 * The long-lived forwarder is in service-spec.ts, the warm sandbox in warm-spec.ts.
 */

const MiB = 1024 * 1024;
/** Enough for sh, find and cat over a cache; small enough that a runaway helper hurts nobody. */
const HELPER_LIMITS: SandboxLimits = { memoryBytes: 256 * MiB, memorySwapBytes: 256 * MiB, nanoCpus: 1e9, pids: 64, ulimits: [], logMaxBytes: MiB };
/** Where a helper sees the cache volume it works on. */
const HELPER_VOLUME_TARGET = '/v';
/** nobody:nogroup, for a helper that needs no identity at all. */
const NOBODY = '65534:65534';

/**
 * Labels of any helper: the caller's uid as owner (unless it acts on another user's cache), the
 * owning process's pid labels, and kind "helper" so listings tell it from a sandbox.
 */
function helperLabels(caller: HelperCaller, ownerUid: number = caller.uid): Record<string, string> {
  return { [LABEL.owner]: String(ownerUid), ...caller.processLabels, [LABEL.managed]: 'true', [LABEL.kind]: 'helper' };
}

interface HelperShape {
  image: string;
  command: string[];
  user: string;
  capAdd: string[];
  mounts: SandboxMount[];
  ownerUid?: number;
}

function helperSpec(h: HelperShape, caller: HelperCaller): SandboxSpec {
  return {
    name: `gobox-helper-${caller.id}`,
    image: h.image,
    command: h.command,
    workdir: '/',
    env: {},
    labels: helperLabels(caller, h.ownerUid),
    mounts: h.mounts,
    limits: HELPER_LIMITS,
    security: { user: h.user, capDrop: ['ALL'], capAdd: h.capAdd, noNewPrivileges: true, readonlyRootfs: true, init: true, seccomp: 'default' },
    network: 'none',
    tty: false,
    stdin: false,
  };
}

function cacheMount(volume: string): SandboxMount[] {
  return [{ kind: 'volume', name: volume, target: HELPER_VOLUME_TARGET, readonly: false }];
}

/**
 * Hands a new (soft-limit) cache volume to its user: the one helper that runs as root, and it
 * keeps CAP_CHOWN only. The volume is the only thing it sees.
 */
export function cacheChownSpec(image: string, volume: string, user: { uid: number; gid: number }, caller: HelperCaller): SandboxSpec {
  const v = HELPER_VOLUME_TARGET;
  return helperSpec(
    {
      image,
      command: ['sh', '-c', `mkdir -p ${v}/build ${v}/mod && chmod 0700 ${v} && chown -R ${user.uid}:${user.gid} ${v}`],
      user: '0:0',
      capAdd: ['CHOWN'],
      mounts: cacheMount(volume),
      ownerUid: user.uid,
    },
    caller,
  );
}

/**
 * Moves a plain cache volume's content into the user's new size-limited image (mounted on the
 * host at `imageMount`), as the cache's owner with no capabilities, so the first root run for a
 * user keeps their modules and build cache. When it does not all fit, the module cache is emptied
 * rather than left with half-copied module trees (Go trusts an extracted module dir as it is);
 * build cache entries that did not fit are only misses. Prints "partial" in that case.
 */
export function cacheMoveSpec(image: string, fromVolume: string, imageMount: string, owner: { uid: number; gid: number }, caller: HelperCaller): SandboxSpec {
  const v = HELPER_VOLUME_TARGET;
  const script = `cp -a /from/. ${v}/ 2>/dev/null || { chmod -R u+w ${v}/mod; rm -rf ${v}/mod; mkdir -p ${v}/mod; echo partial; }`;
  return helperSpec(
    {
      image,
      command: ['sh', '-c', script],
      user: `${owner.uid}:${owner.gid}`,
      capAdd: [],
      mounts: [
        { kind: 'volume', name: fromVolume, target: '/from', readonly: true },
        { kind: 'bind', source: imageMount, target: v, readonly: false },
      ],
      ownerUid: owner.uid,
    },
    caller,
  );
}

/**
 * Measures, trims or clears a cache (the scripts of cache/scan.ts) as the cache's owner, with no
 * capabilities: root never walks a tree the user controls, and a docker-group user reaches only
 * their own volume. `args` reach the script as $1...
 */
export function cacheScriptSpec(image: string, volume: string, owner: { uid: number; gid: number }, script: string, args: string[], caller: HelperCaller): SandboxSpec {
  return helperSpec(
    { image, command: ['sh', '-c', script, 'gobox-cache', ...args], user: `${owner.uid}:${owner.gid}`, capAdd: [], mounts: cacheMount(volume), ownerUid: owner.uid },
    caller,
  );
}

/** Prints a file of the image (its system CA roots) as nobody, with nothing mounted. */
export function imageFileReaderSpec(image: string, file: string, caller: HelperCaller): SandboxSpec {
  return helperSpec({ image, command: ['cat', file], user: NOBODY, capAdd: [], mounts: [] }, caller);
}

/** Odd limits, so a default (or the host's own setting) cannot pass for the one asked for. */
export const LIMITS_PROBE = { memoryBytes: 100 * MiB, pids: 77, nanoCpus: 500_000_000 } as const;

// Prints the container's own view (cgroup v2 files, then v1), then waits to be read from outside.
const PROBE_SCRIPT = [
  'for f in memory.max memory/memory.limit_in_bytes; do [ -r /sys/fs/cgroup/$f ] && { echo "memory=$(cat /sys/fs/cgroup/$f)"; break; }; done',
  'for f in pids.max pids/pids.max; do [ -r /sys/fs/cgroup/$f ] && { echo "pids=$(cat /sys/fs/cgroup/$f)"; break; }; done',
  'for f in cpu.max cpu/cpu.cfs_quota_us cpu,cpuacct/cpu.cfs_quota_us; do [ -r /sys/fs/cgroup/$f ] && { echo "cpu=$(cat /sys/fs/cgroup/$f)"; break; }; done',
  'echo probe-done',
  'exec sleep 30',
].join('; ');

/**
 * The limits probe (engine/limits-readback.ts reads back what the kernel applied to it). It runs
 * as the caller, or as nobody when the caller is root, under the runtime the sandbox will use.
 * The caller's id is in its name and command line, so the reader knows the process is the probe.
 */
export function limitsProbeSpec(image: string, runtime: string | undefined, caller: HelperCaller): SandboxSpec {
  return {
    name: `gobox-probe-${caller.id}`,
    image,
    command: ['sh', '-c', `${PROBE_SCRIPT} # ${caller.id}`],
    workdir: '/',
    env: {},
    labels: helperLabels(caller),
    mounts: [],
    limits: { ...LIMITS_PROBE, memorySwapBytes: LIMITS_PROBE.memoryBytes, ulimits: [], logMaxBytes: 64 * 1024 },
    security: { user: caller.uid === 0 ? NOBODY : `${caller.uid}:${caller.gid}`, capDrop: ['ALL'], capAdd: [], noNewPrivileges: true, readonlyRootfs: true, init: true, seccomp: 'default' },
    network: 'none',
    ...(runtime ? { runtime } : {}),
    tty: false,
    stdin: false,
  };
}
