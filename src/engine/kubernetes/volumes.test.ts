import { describe, expect, it } from 'vitest';
import { quantityBytes, volumeOf } from './volumes.js';

describe('a cache claim as a volume', () => {
  it('reads storage quantities in bytes, binary and decimal', () => {
    expect(quantityBytes('10Gi')).toBe(10 * 2 ** 30);
    expect(quantityBytes('512M')).toBe(512e6);
    expect(quantityBytes('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(quantityBytes('1000')).toBe(1000);
    expect(quantityBytes(undefined)).toBeUndefined();
    expect(quantityBytes('lots')).toBeUndefined();
  });

  it('names its size in bytes beside the quantity, for quota rows', () => {
    const v = volumeOf({ metadata: { name: 'gobox-cache-7', labels: { 'gobox.owner': '7' } }, spec: { resources: { requests: { storage: '2Gi' } } }, status: { phase: 'Bound' } });
    expect(v.options).toMatchObject({ phase: 'Bound', size: '2Gi', sizeBytes: String(2 * 2 ** 30) });
  });
});
