import { describe, expect, it } from 'vitest';
import { ToolchainError } from '../common/errors.js';
import { availableVersions, chooseArchive, defaultMirror, DEFAULT_MIRROR, fileUrl, goArch, indexUrl, type MirrorRelease } from './mirror.js';

const sha = 'a'.repeat(64);
const rel = (v: string, stable = true, os = 'linux', arch = 'amd64', kind = 'archive'): MirrorRelease => ({
  version: `go${v}`, stable,
  files: [{ filename: `go${v}.${os}-${arch}.tar.gz`, os, arch, version: `go${v}`, sha256: sha, size: 1, kind }],
});
const index = [rel('1.23rc1', false), rel('1.22.5'), rel('1.22.4'), rel('1.21.0'), rel('1.20', true, 'darwin'), rel('1.19.1', true, 'linux', 'amd64', 'source')];
const M = 'http://m';

describe('mirror', () => {
  it('maps Node arch names to Go names', () => {
    expect(goArch('x64')).toBe('amd64');
    expect(goArch('arm64')).toBe('arm64');
  });
  it('defaults to the official site unless GOBOX_GO_MIRROR is set', () => {
    expect(defaultMirror({})).toBe(DEFAULT_MIRROR);
    expect(defaultMirror({ GOBOX_GO_MIRROR: 'http://x/dl' })).toBe('http://x/dl');
    expect(indexUrl('http://x/dl/')).toBe('http://x/dl/?mode=json&include=all');
    expect(fileUrl('http://x/dl', 'go1.22.5.linux-amd64.tar.gz')).toBe('http://x/dl/go1.22.5.linux-amd64.tar.gz');
  });
  it('chooses exact versions, prefixes and latest', () => {
    const pick = (v: string) => chooseArchive(index, v, M, 'linux', 'amd64').version;
    expect(pick('1.22.4')).toBe('1.22.4');
    expect(pick('go1.22.5')).toBe('1.22.5');
    expect(pick('1.22')).toBe('1.22.5');
    expect(pick('1.23')).toBe('1.23rc1');
    expect(pick('1')).toBe('1.22.5');
    expect(pick('latest')).toBe('1.22.5');
    expect(chooseArchive(index, '1.22', M, 'linux', 'amd64').url).toBe('http://m/go1.22.5.linux-amd64.tar.gz');
  });
  it('explains what is missing', () => {
    expect(() => chooseArchive(index, '1.99.1', M, 'linux', 'amd64')).toThrow('go1.99.1 is not offered by http://m');
    expect(() => chooseArchive(index, '1.20', M, 'linux', 'amd64')).toThrow('go1.20 has no linux-amd64 archive at http://m');
    expect(() => chooseArchive(index, '1.19.1', M, 'linux', 'amd64')).toThrow(ToolchainError);
    expect(() => chooseArchive([{ ...rel('1.22.5'), files: [{ ...rel('1.22.5').files[0]!, sha256: '' }] }], '1.22.5', M, 'linux', 'amd64'))
      .toThrow('go1.22.5.linux-amd64.tar.gz has no sha256');
  });
  it('lists archives for one os/arch, newest first', () => {
    expect(availableVersions(index, 'linux', 'amd64')).toEqual([
      { version: '1.23rc1', stable: false }, { version: '1.22.5', stable: true }, { version: '1.22.4', stable: true }, { version: '1.21.0', stable: true },
    ]);
  });
});
