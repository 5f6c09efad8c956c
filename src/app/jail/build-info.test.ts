import { describe, expect, it } from 'vitest';
import { diffBuildInfo, parseBuildInfo } from './build-info.js';
import { readFileSync } from 'node:fs';
import { elfSections, firstDifferingSection } from './elf.js';
import { missingModule, unrequiredPackage } from './container.js';
import { goSumMismatch } from './fetch.js';

const OUT = [
  '/out/recorded: go1.26.8',
  '\tpath\texample.com/hello',
  '\tmod\texample.com/hello\t(devel)\t',
  '\tbuild\t-ldflags="-X main.built=2"',
  '\tbuild\tCGO_ENABLED=0',
  '\tbuild\tvcs.modified=false',
  '/out/rebuilt: go1.26.8',
  '\tpath\texample.com/hello',
  '\tmod\texample.com/hello\t(devel)\t',
  '\tbuild\t-ldflags="-X main.built=1"',
  '\tbuild\tCGO_ENABLED=0',
  '\tbuild\tvcs.modified=true',
  '',
].join('\n');

describe('go version -m comparison', () => {
  it('names the build settings that differ', () => {
    const info = parseBuildInfo(OUT);
    expect(diffBuildInfo(info.get('/out/recorded')!, info.get('/out/rebuilt')!)).toEqual([
      'build setting -ldflags: recorded binary "\\"-X main.built=2\\"", rebuild "\\"-X main.built=1\\""',
      'build setting vcs.modified: recorded binary "false", rebuild "true"',
    ]);
  });

  it('names a different toolchain', () => {
    const info = parseBuildInfo(OUT.replace('/out/rebuilt: go1.26.8', '/out/rebuilt: go1.19.8'));
    expect(diffBuildInfo(info.get('/out/recorded')!, info.get('/out/rebuilt')!)[0]).toBe('toolchain: the recorded binary was built by go1.26.8, the rebuild by go1.19.8');
  });
});

describe('firstDifferingSection', () => {
  it('names the section a changed byte is in, in a real ELF binary (/bin/true)', () => {
    const a = readFileSync('/bin/true');
    const rodata = elfSections(a)!.find((s) => s.name === '.rodata')!;
    const b = Buffer.from(a);
    b.writeUInt8(b.readUInt8(rodata.offset + 1) ^ 0xff, rodata.offset + 1);
    expect(firstDifferingSection(a, b)).toBe('section .rodata');
  });

  it('says plainly when the files are not ELF, and nothing when they are equal', () => {
    expect(firstDifferingSection(Buffer.from('a'), Buffer.from('a'))).toBeUndefined();
    expect(firstDifferingSection(Buffer.from('a'), Buffer.from('b'))).toMatch(/not both 64-bit/);
  });
});

describe("Go's messages, as one line", () => {
  it('names the module the offline cache lacks', () => {
    expect(missingModule('main.go:6:2: gobox.test/x/Greet@v1.0.0: module lookup disabled by GOPROXY=off\n')).toBe('gobox.test/x/Greet@v1.0.0');
    expect(missingModule('go: other trouble')).toBeUndefined();
  });

  it('names a package that no module in go.mod provides', () => {
    expect(unrequiredPackage('main.go:7:2: cannot find module providing package gobox.test/r/wave: import lookup disabled by -mod=readonly\n')).toBe('gobox.test/r/wave');
  });

  it('names the module whose bytes disagree with go.sum', () => {
    const text = 'go: downloading a.example/m v1.0.0\nverifying a.example/m@v1.0.0: checksum mismatch\n\tdownloaded: h1:AAA=\n\tgo.sum:     h1:BBB=\n\nSECURITY ERROR\n';
    expect(goSumMismatch(text)).toBe('go.sum does not match module a.example/m@v1.0.0: downloaded h1:AAA=, go.sum says h1:BBB=');
  });
});
