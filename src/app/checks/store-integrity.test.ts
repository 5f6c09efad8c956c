import { describe, expect, it } from 'vitest';
import type { VerifiedToolchain } from '../toolchain/verify.js';
import { integrityFinding } from './store-integrity.js';

const tc = (version: string, status: VerifiedToolchain['status'], findings: VerifiedToolchain['findings'] = [], error?: string): VerifiedToolchain => ({
  version, name: `go${version}`, path: `/s/toolchains/go${version}`, status, findings, store: 'system', ...(error ? { error } : {}),
});

describe('doctor: toolchain integrity finding', () => {
  it('is ok when every toolchain was re-hashed and matched', () => {
    const f = integrityFinding([tc('1.26.8', 'ok'), tc('1.19.8', 'ok')]);
    expect(f).toEqual({ check: 'toolchain integrity', status: 'ok', detail: 'go1.26.8, go1.19.8 verified (every file re-hashed against their manifests)', fix: '' });
  });

  it('fails on a corrupted toolchain, names the file, and gives the repair command', () => {
    const f = integrityFinding([
      tc('1.26.8', 'ok'),
      tc('1.19.8', 'corrupted', [
        { class: 'corrupted', kind: 'changed', path: 'src/fmt/print.go', detail: 'content changed (sha256 differs)' },
        { class: 'corrupted', kind: 'stamp', path: 'src/fmt', detail: 'touched' },
      ]),
    ]);
    expect(f.status).toBe('fail');
    expect(f.detail).toBe('go1.19.8 is corrupted: src/fmt/print.go: content changed (sha256 differs) (and 1 more); runs refuse it; go1.26.8 verified (every file re-hashed against its manifest)');
    expect(f.fix).toBe('gobox toolchain verify --repair 1.19.8');
  });

  it('fails on an untrusted store path with a fix for the directory, not a repair', () => {
    const f = integrityFinding([tc('1.26.8', 'untrusted', [{ class: 'untrusted', kind: 'store', path: '/s', detail: '/s is writable by everyone (mode 0777)' }])]);
    expect(f.status).toBe('fail');
    expect(f.fix).toBe("make /s a real directory that only root (or the store's owner) can write");
  });

  it('warns about toolchains without a manifest and ones it could not check, with a command each', () => {
    const f = integrityFinding([tc('1.26.8', 'no-manifest'), tc('1.19.8', 'unchecked', [], 'cannot check go1.19.8 in /s: EACCES')]);
    expect(f.status).toBe('warn');
    expect(f.detail).toBe('go1.26.8 has no manifest (installed before gobox recorded them): runs mount it unchecked; cannot check go1.19.8 in /s: EACCES');
    expect(f.fix).toBe('gobox toolchain verify --record 1.26.8; gobox toolchain verify 1.19.8');
  });
});
