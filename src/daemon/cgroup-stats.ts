import { readFile } from 'node:fs/promises';

/**
 * A container's memory and CPU from its cgroup, read straight from the host (root only). The
 * engine's stats API takes a second or more per container; these are two small file reads.
 * Covers cgroup v1 and v2 with either the cgroupfs or the systemd driver.
 */
export interface BoxStats {
  memoryBytes?: number;
  peakMemoryBytes?: number;
  cpuSeconds?: number;
}

const ROOT = '/sys/fs/cgroup';

function candidates(id: string): { v1mem: string[]; v1cpu: string[]; v2: string[] } {
  return {
    v1mem: [`${ROOT}/memory/docker/${id}`, `${ROOT}/memory/system.slice/docker-${id}.scope`],
    v1cpu: [`${ROOT}/cpuacct/docker/${id}`, `${ROOT}/cpu,cpuacct/docker/${id}`, `${ROOT}/cpuacct/system.slice/docker-${id}.scope`, `${ROOT}/cpu,cpuacct/system.slice/docker-${id}.scope`],
    v2: [`${ROOT}/system.slice/docker-${id}.scope`, `${ROOT}/docker/${id}`],
  };
}

async function num(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const n = text === undefined ? NaN : Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

async function first(dirs: string[], file: string): Promise<number | undefined> {
  for (const d of dirs) {
    const v = await num(`${d}/${file}`);
    if (v !== undefined) return v;
  }
  return undefined;
}

async function v2CpuSeconds(dirs: string[]): Promise<number | undefined> {
  for (const d of dirs) {
    const usec = Number(/usage_usec (\d+)/.exec(await readFile(`${d}/cpu.stat`, 'utf8').catch(() => ''))?.[1]);
    if (Number.isFinite(usec)) return usec / 1e6;
  }
  return undefined;
}

export async function boxStats(id: string): Promise<BoxStats> {
  const c = candidates(id);
  const v2mem = await first(c.v2, 'memory.current');
  if (v2mem !== undefined) {
    const cpu = await v2CpuSeconds(c.v2);
    const peak = await first(c.v2, 'memory.peak');
    return { memoryBytes: v2mem, ...(peak !== undefined ? { peakMemoryBytes: peak } : {}), ...(cpu !== undefined ? { cpuSeconds: cpu } : {}) };
  }
  const mem = await first(c.v1mem, 'memory.usage_in_bytes');
  const peak = await first(c.v1mem, 'memory.max_usage_in_bytes');
  const ns = await first(c.v1cpu, 'cpuacct.usage');
  return {
    ...(mem !== undefined ? { memoryBytes: mem } : {}),
    ...(peak !== undefined ? { peakMemoryBytes: peak } : {}),
    ...(ns !== undefined ? { cpuSeconds: ns / 1e9 } : {}),
  };
}

/** Samples a running container's peak memory until stopped; the cgroup is gone once it is removed. */
export function watchPeak(id: string, everyMs = 500): { stop(): number | undefined } {
  let peak: number | undefined;
  const sample = () => void boxStats(id).then((s) => {
    const v = s.peakMemoryBytes ?? s.memoryBytes;
    if (v !== undefined) peak = Math.max(peak ?? 0, v);
  });
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return { stop: () => (clearInterval(timer), peak) };
}
