import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheFileFor, loadCachedBundle } from './cached-bundle.js';

describe('loadCachedBundle', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = (text: string): string => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-bundle-'));
    const file = path.join(dir, 'dep.cjs');
    writeFileSync(file, text);
    return file;
  };

  it('runs a CommonJS bundle as Node would: exports, require of built-ins, __filename', () => {
    const file = bundle('const path = require("node:path"); exports.base = path.basename(__filename); module.exports.dir = __dirname;');
    const r = loadCachedBundle(file);
    expect(r.exports).toEqual({ base: 'dep.cjs', dir: path.dirname(file) });
    expect(r.cacheUsed).toBe(false);
  });

  it('ignores a cache V8 rejects: the bundle is compiled from its source', () => {
    // Another source than any loaded in this process: V8's own in-process cache cannot answer.
    // (That a real cache is taken, in a fresh process, is test/integration/cli-startup.test.ts's.)
    const file = bundle(`exports.sum = (a, b) => a + b; exports.id = ${JSON.stringify(path.basename(os.tmpdir()) + Math.random())};`);
    writeFileSync(cacheFileFor(file), Buffer.from('not a code cache'));
    const r = loadCachedBundle(file);
    expect(r.cacheUsed).toBe(false);
    expect(r.script.cachedDataRejected).toBe(true);
    expect((r.exports.sum as (a: number, b: number) => number)(2, 3)).toBe(5);
  });

  it('keeps the cache beside the bundle', () => {
    expect(cacheFileFor('/x/dist/deps/zod.cjs')).toBe('/x/dist/deps/zod.v8cache');
  });
});
