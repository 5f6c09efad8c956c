import { ownerProcessLabels } from './owner-process.js';

/**
 * The gobox process that starts a helper container, as the helper specs in sandbox/ need it.
 * sandbox/ does no I/O, so whoever starts a helper gathers these facts (the /proc reads behind
 * the owner-process labels, the clock, a random name) and hands them over as data.
 */
export interface HelperCaller {
  /** The unique part of the container's name. */
  id: string;
  uid: number;
  gid: number;
  /** pid, its start time, PID namespace, boot id, created and expires: what a sweeper reads. */
  processLabels: Record<string, string>;
}

export function helperCaller(): HelperCaller {
  const uid = process.getuid?.() ?? 0;
  return {
    id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    uid,
    gid: process.getgid?.() ?? uid,
    processLabels: ownerProcessLabels(),
  };
}
