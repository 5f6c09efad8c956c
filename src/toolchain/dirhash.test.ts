import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hash1 } from './dirhash.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('hash1 (Go dirhash h1:)', () => {
  it('is base64(sha256) of "hash  path\\n" lines sorted by path', () => {
    const files = [
      { path: 'bin/go', sha256: sha('go') },
      { path: 'VERSION', sha256: sha('go1.22.5\n') },
    ];
    const summary = `${sha('go1.22.5\n')}  VERSION\n${sha('go')}  bin/go\n`;
    expect(hash1(files)).toBe(`h1:${createHash('sha256').update(summary).digest('base64')}`);
  });

  it('sorts by bytes as Go does, not by UTF-16 units', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 ...) in bytes, after it in UTF-16.
    const a = { path: '\uff5e', sha256: sha('a') };
    const b = { path: '\u{1f600}', sha256: sha('b') };
    const summary = `${sha('a')}  \uff5e\n${sha('b')}  \u{1f600}\n`;
    expect(hash1([b, a])).toBe(`h1:${createHash('sha256').update(summary).digest('base64')}`);
  });

  it('refuses a path with a newline, as Go does', () => {
    expect(() => hash1([{ path: 'a\nb', sha256: sha('') }])).toThrow(/newline/);
  });

  it('of no files is the hash of the empty summary', () => {
    expect(hash1([])).toBe(`h1:${createHash('sha256').digest('base64')}`);
  });
});
