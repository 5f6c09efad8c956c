import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** A fresh temp dir per test, and a writer for files in it (parents made as needed). */
export function useTempTree(prefix: string): { dir(): string; write(rel: string, text: string): string } {
  let tmp = '';
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));
  return {
    dir: () => tmp,
    write(rel, text) {
      const p = path.join(tmp, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, text);
      return p;
    },
  };
}
