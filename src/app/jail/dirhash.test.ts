import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hash1, hashDir } from './dirhash.js';

describe('dirhash h1', () => {
  it('matches Go dirhash.Hash1 for a known module (golang.org/x/mod test vector shape)', () => {
    // Hash1 of one file "xyz/abc" holding "data\n": summary "<sha256>  xyz/abc\n".
    const sha = '6667b2d1aab6a00caa5aee5af8ad9f1465e567abf1c209d15727d57b3e8f6e5f';
    expect(hash1([{ name: 'xyz/abc', sha256: sha }])).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
    expect(hash1([{ name: 'b', sha256: sha }, { name: 'a', sha256: sha }])).toBe(hash1([{ name: 'a', sha256: sha }, { name: 'b', sha256: sha }]));
  });

  it('hashes a tree by content and names, skipping the named dirs', async () => {
    const a = mkdtempSync(path.join(os.tmpdir(), 'dirhash-'));
    writeFileSync(path.join(a, 'go.mod'), 'module x\n');
    mkdirSync(path.join(a, '.git'));
    writeFileSync(path.join(a, '.git', 'HEAD'), 'ref\n');
    const withGit = await hashDir(a, 'src');
    const skipped = await hashDir(a, 'src', ['.git']);
    expect(skipped).not.toBe(withGit);
    writeFileSync(path.join(a, '.git', 'HEAD'), 'other\n');
    expect(await hashDir(a, 'src', ['.git'])).toBe(skipped);
    writeFileSync(path.join(a, 'go.mod'), 'module y\n');
    expect(await hashDir(a, 'src', ['.git'])).not.toBe(skipped);
  });
});
