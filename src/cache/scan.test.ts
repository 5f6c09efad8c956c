import { describe, expect, it } from 'vitest';
import { parseScan } from './scan.js';

describe('parseScan', () => {
  it('reads totals, build groups and module versions (sizes are du KiB blocks)', () => {
    const out = [
      'du\t.\t300', 'du\tbuild\t200', 'du\tmod\t96',
      'b\t1718000000\t150', 'b\t1718000100\t50',
      'm\t1718000050.123\tgolang.org/x/text@v0.14.0', 's\t90\tgolang.org/x/text@v0.14.0',
      "find: 'build/xx': Permission denied",
    ].join('\n');
    const scan = parseScan(out);
    expect(scan.usedBytes).toBe(300 * 1024);
    expect(scan.buildBytes).toBe(200 * 1024);
    expect(scan.modBytes).toBe(96 * 1024);
    expect(scan.entries).toEqual([
      { kind: 'build', path: '', mtime: 1718000000, bytes: 150 * 1024 },
      { kind: 'build', path: '', mtime: 1718000100, bytes: 50 * 1024 },
      { kind: 'module', path: 'golang.org/x/text@v0.14.0', mtime: 1718000050, bytes: 90 * 1024 },
    ]);
  });

  it('fails loudly when the helper measured nothing', () => {
    expect(() => parseScan('sh: 1: cd: can\'t cd to /v')).toThrow(/gave no usage/);
  });
});
