import { describe, expect, it } from 'vitest';
import { formatDuration, formatSize, parseDuration, parseSize } from './units.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['512', 512],
    ['512b', 512],
    ['1k', KiB],
    ['1.5k', 1536],
    ['512m', 512 * MiB],
    ['512MB', 512 * MiB],
    ['2g', 2 * GiB],
    [' 2 GiB ', 2 * GiB],
    ['1t', 1024 * GiB],
    ['1.9', 1],
  ] as const)('%j is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('takes non-negative finite numbers as bytes', () => {
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize(1.7)).toBe(1);
    expect(parseSize(0)).toBe(0);
  });

  it.each(['', ' ', 'k', 'lots', '5x', '-1', '1e3', '1.k', '.5m', 'NaN', 'Infinity', '1 2', '2gg', '1pb'])('rejects %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (n) => {
    expect(parseSize(n)).toBeUndefined();
  });
});

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['90', 90_000],
    ['1.5', 1500],
    ['250ms', 250],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['1m30s', 90_000],
    ['5m100ms', 300_100],
    ['1d', 86_400_000],
    [' 5m ', 300_000],
  ] as const)('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('takes numbers as seconds', () => {
    expect(parseDuration(2.5)).toBe(2500);
    expect(parseDuration(0)).toBe(0);
  });

  it.each(['', ' ', 'm', 'soon', '30m10', '5 m', '1h-30m', '-5s', '5M', '1w', 'ms', '1.5.5s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (n) => {
    expect(parseDuration(n)).toBeUndefined();
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [150 * KiB, '150 KiB'],
    [512 * MiB, '512 MiB'],
    [2.5 * GiB, '2.5 GiB'],
    [3 * 1024 * GiB, '3 TiB'],
    [1024 * 1024 * GiB, '1024 TiB'],
  ] as const)('%d is %j', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it('round-trips through parseSize for whole units', () => {
    for (const text of ['1k', '512m', '2g']) {
      const bytes = parseSize(text)!;
      expect(parseSize(formatSize(bytes).replace(' ', ''))).toBe(bytes);
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [172_800_000, '48h'],
  ] as const)('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [250, 1000, 90_000, 5_400_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
