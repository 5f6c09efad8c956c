import { mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANSWER_TTL_MS, answerKey, cacheableArgs, readAnswer, writeAnswer } from './answer-cache.js';

describe('answers kept for the shim', () => {
  it('are only for go version and go env that reads', () => {
    expect(cacheableArgs('go', ['version'])).toBe(true);
    expect(cacheableArgs('go', ['env'])).toBe(true);
    expect(cacheableArgs('go', ['env', '-json', 'GOPATH', 'GOMOD'])).toBe(true);
    for (const args of [['version', '-m', 'bin'], ['env', '-w', 'GOFLAGS=-x'], ['env', '-u', 'GOFLAGS'], ['list', '-m'], ['build'], []]) expect(cacheableArgs('go', args)).toBe(false);
    expect(cacheableArgs('gofmt', ['version'])).toBe(false);
  });

  it('are keyed by the project files up the tree, the environment and the cwd', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'gobox-answer-'));
    const sub = path.join(root, 'a');
    writeFileSync(path.join(root, 'go.mod'), 'module x\n');
    const base = { tool: 'go', args: ['env', 'GOMOD'], cwd: root, env: { PATH: '/bin', PWD: root, SHLVL: '1' }, uid: 1000, build: 'b1' };
    const k = answerKey(base);
    expect(answerKey({ ...base, env: { PATH: '/bin', PWD: '/elsewhere', SHLVL: '3' } })).toBe(k);
    expect(answerKey({ ...base, env: { ...base.env, GOFLAGS: '-mod=mod' } })).not.toBe(k);
    expect(answerKey({ ...base, build: 'b2' })).not.toBe(k);
    expect(answerKey({ ...base, args: ['env', 'GOPATH'] })).not.toBe(k);
    expect(answerKey({ ...base, cwd: sub })).not.toBe(k);
    utimesSync(path.join(root, 'go.mod'), new Date(), new Date(Date.now() + 5000));
    const touched = answerKey(base);
    expect(touched).not.toBe(k);
    writeFileSync(path.join(root, 'go.work'), 'go 1.22\n');
    expect(answerKey(base)).not.toBe(touched);
  });

  it('are read back only while young and well-formed', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'gobox-answer-')), 'answers');
    writeAnswer(dir, 'k', 'go version go1.22.0 linux/amd64\n', 1_000);
    expect(readAnswer(dir, 'k', 2_000)).toBe('go version go1.22.0 linux/amd64\n');
    expect(readAnswer(dir, 'k', 1_000 + ANSWER_TTL_MS + 1)).toBeUndefined();
    expect(readAnswer(dir, 'other', 2_000)).toBeUndefined();
    writeFileSync(path.join(dir, 'bad.json'), '{"at":"x","stdout":1}');
    expect(readAnswer(dir, 'bad', 2_000)).toBeUndefined();
  });
});
