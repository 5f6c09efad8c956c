import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../common/errors.js';
import { cacheLimitBytes, defaultTrimTarget, MIN_CACHE_BYTES, parseSizeArg } from './size.js';

describe('cache sizes', () => {
  it('reads profile sizes in binary units', () => {
    expect(cacheLimitBytes('64m')).toBe(64 * 1024 ** 2);
    expect(cacheLimitBytes('10g')).toBe(10 * 1024 ** 3);
    expect(cacheLimitBytes(MIN_CACHE_BYTES)).toBe(MIN_CACHE_BYTES);
  });

  it('refuses what is not a size, or too small, naming the field (exit 125)', () => {
    expect(() => cacheLimitBytes('lots', '/p/x.yaml')).toThrow(new ConfigError('/p/x.yaml: cache.size: "lots" is not a size; expected e.g. "512m" or "2g"'));
    const small = (() => {
      try {
        cacheLimitBytes('1m');
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(small).toBeInstanceOf(ConfigError);
    expect(small?.exitCode).toBe(125);
    expect(small?.message).toBe('profile: cache.size: 1 MiB is below the smallest cache gobox makes (16 MiB)');
  });

  it('reads --to sizes and says which flag is wrong', () => {
    expect(parseSizeArg('200m', '--to')).toBe(200 * 1024 ** 2);
    expect(parseSizeArg('0', '--to')).toBe(0);
    expect(() => parseSizeArg('5x', '--to')).toThrow(UsageError);
    expect(() => parseSizeArg('5x', '--to')).toThrow('--to 5x: expected a size such as "512m" or "2g"');
  });

  it('trims to 80% of the limit by default', () => {
    expect(defaultTrimTarget(100 * 1024 ** 2)).toBe(80 * 1024 ** 2);
  });
});
