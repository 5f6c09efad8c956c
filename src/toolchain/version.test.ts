import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/errors.js';
import {
  compareGoVersions, isPrefix, matchesPrefix, normalizeGoVersion, parseGoVersion, pickVersion, toolchainName,
} from './version.js';

const v = (t: string) => {
  const p = parseGoVersion(t);
  if (!p) throw new Error(`bad test version ${t}`);
  return p;
};

describe('parseGoVersion', () => {
  it.each(['1.22.5', 'go1.22.5', '1.21rc1', '1.21', '1.22beta1', '1', '1.9', '1.10', '1.21alpha1', 'go1.20', '1.21rc' /* gover accepts a bare kind */])(
    'accepts %s', (t) => expect(parseGoVersion(t)).toBeDefined(),
  );
  it.each(['', 'go', 'banana', '1.', '1.x', '01.2', '1.02', '1.21.3rc1', '1.21rc01', '1.21.0.1', 'v1.21', '1.21RC1', '1.21-rc1'])(
    'rejects %j', (t) => expect(parseGoVersion(t)).toBeUndefined(),
  );
  it('splits the parts', () => {
    expect(v('go1.21rc2')).toMatchObject({ major: '1', minor: '21', patch: '', kind: 'rc', pre: '2', text: '1.21rc2' });
    // Before 1.21, "1.20" is the release 1.20.0.
    expect(v('1.20').patch).toBe('0');
    expect(v('1.21').patch).toBe('');
  });
});

describe('compareGoVersions', () => {
  it('orders by Go rules', () => {
    const ordered = ['1.9', '1.10', '1.20rc1', '1.20', '1.20.1', '1.21', '1.21alpha1', '1.21beta1', '1.21rc1', '1.21rc2', '1.21.0', '1.21.1', '1.21.10', '1.22', '2'];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(Math.sign(compareGoVersions(ordered[i]!, ordered[j]!)), `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
      }
    }
  });
  it('treats 1.20 and 1.20.0 as equal, go prefix as irrelevant', () => {
    expect(compareGoVersions('1.20', '1.20.0')).toBe(0);
    expect(compareGoVersions('go1.22.5', '1.22.5')).toBe(0);
  });
  it('sorts invalid below valid', () => {
    expect(compareGoVersions('junk', '1.0')).toBeLessThan(0);
    expect(compareGoVersions('1.0', 'junk')).toBeGreaterThan(0);
  });
});

describe('normalizeGoVersion / toolchainName', () => {
  it('strips the go prefix', () => {
    expect(normalizeGoVersion('go1.22.5')).toBe('1.22.5');
    expect(normalizeGoVersion(' 1.21rc1 ')).toBe('1.21rc1');
    expect(toolchainName('1.22.5')).toBe('go1.22.5');
    expect(toolchainName(v('go1.19.8'))).toBe('go1.19.8');
  });
  it('throws UsageError for junk', () => {
    expect(() => normalizeGoVersion('banana')).toThrow(UsageError);
    expect(() => normalizeGoVersion('banana')).toThrow('not a Go version: banana');
  });
});

describe('prefixes', () => {
  const installed = ['1.22.5', '1.22.10', '1.22rc2', '1.23rc1', '1.20', '1.20.3'].map((t) => ({ version: v(t) }));
  it('knows a family from an exact version', () => {
    expect(isPrefix(v('1.22'))).toBe(true);
    expect(isPrefix(v('1'))).toBe(true);
    expect(isPrefix(v('1.22.0'))).toBe(false);
    expect(isPrefix(v('1.22rc1'))).toBe(false);
    expect(matchesPrefix(v('1.22.3'), v('1.22'))).toBe(true);
    expect(matchesPrefix(v('1.23.0'), v('1.22'))).toBe(false);
  });
  it('picks the newest release of a family', () => {
    expect(pickVersion(installed, v('1.22'))?.version.text).toBe('1.22.10');
    expect(pickVersion(installed, v('1.20'))?.version.text).toBe('1.20.3');
    expect(pickVersion(installed, v('1.23'))?.version.text).toBe('1.23rc1');
    expect(pickVersion(installed, v('1'))?.version.text).toBe('1.22.10');
    expect(pickVersion(installed, v('1.22.5'))?.version.text).toBe('1.22.5');
    expect(pickVersion(installed, v('1.22.6'))).toBeUndefined();
    expect(pickVersion(installed, v('1.24'))).toBeUndefined();
  });
});
