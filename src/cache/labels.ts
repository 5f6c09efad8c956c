import { LABEL } from '../common/labels.js';

/** Labels on a cache volume beyond the common ones; volume labels cannot change after creation. */
export const CACHE_LABEL = {
  /** "hard" (loop-backed filesystem) or "soft" (measured and trimmed after runs). */
  mode: 'gobox.cache-mode',
  /** Hard: the image file, so another state dir's gobox still finds it. */
  image: 'gobox.cache-image',
  /** The limit in bytes when the volume was made (a hard limit may grow later). */
  limit: 'gobox.cache-limit',
  /** Why a root gobox fell back to a soft limit; such a volume is not retried every run. */
  fallback: 'gobox.cache-fallback',
} as const;

export type CacheMode = 'hard' | 'soft';

export function cacheVolumeLabels(uid: number, mode: CacheMode, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.kind]: 'cache', [LABEL.owner]: String(uid), [CACHE_LABEL.mode]: mode, ...extra };
}

/** Volumes made before cache modes existed carry no mode label: they are soft (plain) volumes. */
export function volumeMode(labels: Record<string, string>, driverOptions: Record<string, string>): CacheMode {
  return labels[CACHE_LABEL.mode] === 'hard' && driverOptions.device ? 'hard' : 'soft';
}
