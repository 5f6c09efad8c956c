import { describe, expect, it } from 'vitest';
import { digestOfEntries, EntrySchema, isManifestEntry, type ManifestEntry } from './manifest.js';
import { hash1 } from './dirhash.js';

const e = (type: 'f' | 'd' | 'l', p: string, hash = ''): ManifestEntry => [type, p, 0o644, 1, 0, 0, 1, 1, 1, hash];

describe('manifest digest', () => {
  it('is the h1: of its files only, however the entries are ordered', () => {
    const entries = [e('d', 'bin'), e('f', 'bin/go', 'a'.repeat(64)), e('f', 'VERSION', 'b'.repeat(64)), e('l', 'lnk', 'VERSION')];
    const want = hash1([{ path: 'VERSION', sha256: 'b'.repeat(64) }, { path: 'bin/go', sha256: 'a'.repeat(64) }]);
    expect(digestOfEntries(entries)).toBe(want);
    expect(digestOfEntries([...entries].reverse())).toBe(want);
  });
});

describe('entry tuples', () => {
  it('the hand check accepts exactly what EntrySchema accepts', () => {
    const samples: unknown[] = [
      e('f', 'bin/go', 'a'.repeat(64)), e('d', 'src'), e('l', 'x', '../y'),
      ['x', 'p', 1, 1, 1, 1, 1, 1, 1, ''], ['f', 1, 1, 1, 1, 1, 1, 1, 1, ''], ['f', 'p', 1, 1, 1, 1, 1, 1, 1],
      ['f', 'p', '1', 1, 1, 1, 1, 1, 1, ''], ['f', 'p', 1, 1, 1, 1, 1, 1, 1, '', 'extra'], null, {}, 'f',
      ['f', 'p', 1.5, 1, 1, 1, 1, 1, 1, ''],
    ];
    for (const s of samples) expect(isManifestEntry(s), JSON.stringify(s)).toBe(EntrySchema.safeParse(s).success);
  });
});
