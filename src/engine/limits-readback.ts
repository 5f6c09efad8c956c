import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SandboxLimits, SandboxSpec } from '../sandbox/types.js';
import { dockerCreateOptions, type CreateFlavor } from './docker-options.js';
import { engineCall } from './errors.js';
import { framedText } from './demux.js';

export type LimitName = 'memory' | 'cpu' | 'pids';
export const LIMIT_NAMES: readonly LimitName[] = ['memory', 'cpu', 'pids'];

export interface LimitsProbeRequest {
  /** The probe container, with odd limits (sandbox/helper-spec.ts's limitsProbeSpec). */
  spec: SandboxSpec;
  /** A mark in its command line, so the pid read back is known to be the probe's. */
  marker: string;
}

/** The limit files as the kernel has them for the probe container; absent means not there. */
export interface LimitsObservation {
  /** "host cgroup" when read from the host's cgroupfs, "container view" from inside. */
  source: 'host cgroup' | 'container view' | 'none';
  memory?: string;
  pids?: string;
  /** Quota in microseconds per 100 ms period; v2's "50000 100000" and v1's "50000" both read as 50000. */
  cpuQuota?: string;
  /** What the engine said when creating the container (Podman: "Resource limits are not supported ..."). */
  warnings: string[];
}

/**
 * Which limits really hold, judged from what the kernel shows for the probe, never from what the
 * engine claims: each must read back as the odd value the probe asked for. CPU reads as a quota
 * in microseconds per 100 ms period, so 0.5 CPU is 50000.
 */
export function heldLimits(obs: LimitsObservation, asked: Pick<SandboxLimits, 'memoryBytes' | 'pids' | 'nanoCpus'>): Record<LimitName, boolean> {
  return {
    memory: obs.memory?.trim() === String(asked.memoryBytes),
    pids: obs.pids?.trim() === String(asked.pids),
    cpu: (obs.cpuQuota?.trim().split(/\s+/)[0] ?? '') === String(Math.round(asked.nanoCpus / 1e4)),
  };
}

/** Parses /proc/PID/cgroup into limit file paths on the host (v1 per controller, v2 unified). */
export function hostLimitFiles(procCgroup: string, root = '/sys/fs/cgroup'): { memory?: string; pids?: string; cpu?: string } {
  const files: { memory?: string; pids?: string; cpu?: string } = {};
  for (const line of procCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [ctrls, rel] = [m[1]!.split(','), m[2]!];
    if (m[1] === '') {
      files.memory ??= path.join(root, rel, 'memory.max');
      files.pids ??= path.join(root, rel, 'pids.max');
      files.cpu ??= path.join(root, rel, 'cpu.max');
    }
    if (ctrls.includes('memory')) files.memory = path.join(root, 'memory', rel, 'memory.limit_in_bytes');
    if (ctrls.includes('pids')) files.pids = path.join(root, 'pids', rel, 'pids.max');
    if (ctrls.includes('cpu')) files.cpu = path.join(root, m[1]!, rel, 'cpu.cfs_quota_us');
  }
  return files;
}

function read(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Starts the probe container, with its odd memory, cpu and pids limits, and reads back what the kernel
 * applied: first from the host's cgroupfs through the container's pid (works for runc and gVisor
 * alike), else from inside the container. Always removes the container.
 */
export async function runLimitsProbe(docker: Docker, req: LimitsProbeRequest, flavor: CreateFlavor): Promise<LimitsObservation> {
  const { spec, marker } = req;
  const created = (await engineCall('create the limits probe', () => docker.createContainer(dockerCreateOptions(spec, flavor)))) as Docker.Container & { Warnings?: string[] };
  const c = docker.getContainer(created.id);
  try {
    await engineCall('start the limits probe', () => c.start());
    let host: LimitsObservation | undefined;
    const end = Date.now() + 10_000;
    let logs = '';
    while (Date.now() < end) {
      const info = await engineCall('inspect the limits probe', () => c.inspect());
      if (!host && info.State.Running && info.State.Pid > 0) host = fromHost(info.State.Pid, [marker, created.id]);
      logs = await logText(c);
      if (logs.includes('probe-done') || !info.State.Running) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const inside = fromInside(logs);
    const warnings = created.Warnings ?? [];
    if (host) return { ...host, warnings };
    return { ...inside, warnings };
  } finally {
    await c.remove({ force: true }).catch(() => {});
  }
}

/** Only when the pid is really the probe's (same pid namespace as the engine). */
function fromHost(pid: number, marks: string[]): LimitsObservation | undefined {
  const cmdline = read(`/proc/${pid}/cmdline`)?.replace(/\0/g, ' ') ?? '';
  const procCgroup = read(`/proc/${pid}/cgroup`) ?? '';
  if (!marks.some((m) => cmdline.includes(m) || procCgroup.includes(m))) return undefined;
  const f = hostLimitFiles(procCgroup);
  const obs: LimitsObservation = { source: 'host cgroup', warnings: [] };
  const [memory, pids, cpu] = [read(f.memory), read(f.pids), read(f.cpu)];
  if (memory !== undefined) obs.memory = memory;
  if (pids !== undefined) obs.pids = pids;
  if (cpu !== undefined) obs.cpuQuota = cpu;
  return obs;
}

export function fromInside(logs: string): LimitsObservation {
  const obs: LimitsObservation = { source: 'container view', warnings: [] };
  for (const line of logs.split('\n')) {
    const [k, v] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()];
    if (k === 'memory') obs.memory = v;
    else if (k === 'pids') obs.pids = v;
    else if (k === 'cpu') obs.cpuQuota = v;
  }
  if (obs.memory === undefined && obs.pids === undefined && obs.cpuQuota === undefined) obs.source = 'none';
  return obs;
}

async function logText(c: Docker.Container): Promise<string> {
  const buf = (await c.logs({ stdout: true, stderr: true, follow: false }).catch(() => Buffer.alloc(0))) as unknown as Buffer;
  return framedText(buf);
}
