import { ConfigError, UsageError } from '../common/errors.js';
import { formatSize, parseSize } from '../common/units.js';

/**
 * The smallest cache gobox makes. Below this an ext4 image is mostly journal and metadata, and a
 * single module download would not fit, so a smaller size is a mistake worth a clear message.
 */
export const MIN_CACHE_BYTES = 16 * 1024 ** 2;

/** Share of the limit a trim frees down to, so the next build has room before the next trim. */
export const TRIM_TARGET_SHARE = 0.8;

/** The profile's cache.size in bytes; refused with one line (exit 125) before anything is made. */
export function cacheLimitBytes(size: string | number, where = 'profile'): number {
  const bytes = parseSize(size);
  if (bytes === undefined) {
    throw new ConfigError(`${where}: cache.size: "${size}" is not a size; expected e.g. "512m" or "2g"`);
  }
  if (bytes < MIN_CACHE_BYTES) {
    throw new ConfigError(`${where}: cache.size: ${formatSize(bytes)} is below the smallest cache gobox makes (${formatSize(MIN_CACHE_BYTES)})`);
  }
  return bytes;
}

/** A size given on the command line, e.g. `--to 200m`. */
export function parseSizeArg(text: string | number, flag: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined) throw new UsageError(`${flag} ${text}: expected a size such as "512m" or "2g"`);
  return bytes;
}

export function defaultTrimTarget(limitBytes: number): number {
  return Math.floor(limitBytes * TRIM_TARGET_SHARE);
}
