import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgoOff, readCToolchain } from './c-toolchain.js';

describe('the C toolchain of a cgo jail build', () => {
  it('reads what the jail reported: the --version line and the package versions', async () => {
    const meta = mkdtempSync(path.join(os.tmpdir(), 'gobox-cc-'));
    writeFileSync(path.join(meta, 'cc-version.txt'), 'gcc (Debian 12.2.0-14+deb12u1) 12.2.0\n');
    writeFileSync(path.join(meta, 'cc-packages.txt'), 'gcc 4:12.2.0-3\nlibc6-dev 2.36-9+deb12u14\n\n');
    expect(await readCToolchain(meta, 'gcc')).toEqual({
      compiler: 'gcc',
      versionLine: 'gcc (Debian 12.2.0-14+deb12u1) 12.2.0',
      packages: [{ name: 'gcc', version: '4:12.2.0-3' }, { name: 'libc6-dev', version: '2.36-9+deb12u14' }],
    });
  });

  it('names the package Go left empty with cgo off, and nothing else', () => {
    expect(cgoOff('package example.com/x: build constraints exclude all Go files in /src/x\n')).toBe('/src/x');
    expect(cgoOff('main.go:3:2: undefined: foo\n')).toBeUndefined();
  });
});
