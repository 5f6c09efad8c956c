import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import {
  goauthProblem,
  goEnvProblems,
  goflagsProblem,
  goproxyProblem,
  gosumdbProblem,
  httpProxyProblem,
  patternListProblem,
  validateGoEnv,
} from './go-env-rules.js';

describe('GOPROXY rules (as cmd/go parses them)', () => {
  it.each([
    '',
    'https://proxy.corp.example,direct',
    'https://a.test|https://b.test,off',
    'proxy.example.com',
    'http://172.17.0.1:8080/sub',
    'file:///srv/goproxy',
    'direct',
    'off',
    // after direct or off Go ignores the rest, for forward compatibility
    'off,ftp://ignored',
  ])('accepts %j', (v) => expect(goproxyProblem(v)).toBeUndefined());

  it.each([
    ['ftp://x', 'invalid proxy URL scheme (must be https, http, file): ftp://x'],
    ['foo', 'invalid proxy URL missing scheme: foo'],
    [',', 'GOPROXY list is not the empty string, but contains no entries'],
    ['file://host/x', 'invalid file:// proxy URL with non-path elements: file://host/x'],
    ['https://ok.test,gopher://no', 'invalid proxy URL scheme (must be https, http, file): gopher://no'],
    ['http://', 'invalid proxy URL: http://'],
  ])('rejects %j', (v, msg) => expect(goproxyProblem(v)).toBe(msg));
});

describe('GOSUMDB rules', () => {
  it.each(['off', 'sum.golang.org', 'sum.golang.org https://sum.example.test', 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ljb4fdBlPP7wBZOq'])(
    'accepts %j',
    (v) => expect(gosumdbProblem(v)).toBeUndefined(),
  );
  it.each([
    ['a b c', 'too many fields'],
    ['sum.example.test', 'unknown database'],
    ['x+1+2', 'malformed verifier key'],
    ['sum.golang.org ftp://x', 'invalid sumdb URL'],
  ])('rejects %j', (v, msg) => expect(gosumdbProblem(v)).toContain(msg));
});

describe('pattern lists, GOFLAGS, GOAUTH, HTTP(S)_PROXY', () => {
  it('checks glob syntax in GOPRIVATE-style lists', () => {
    expect(patternListProblem('*.corp.example.com,rsc.io/private')).toBeUndefined();
    expect(patternListProblem('example.com/[abc]')).toBeUndefined();
    expect(patternListProblem('example.com/[abc')).toContain('unclosed [');
    expect(patternListProblem('a.test b.test')).toContain('contains a space');
  });

  it('wants every GOFLAGS field to be a flag', () => {
    expect(goflagsProblem('-mod=mod -trimpath')).toBeUndefined();
    expect(goflagsProblem(`'-ldflags=-s -w' -x`)).toBeUndefined();
    expect(goflagsProblem('-mod=mod x')).toBe('non-flag "x"');
    expect(goflagsProblem(`'-x`)).toBe("unterminated ' string");
    expect(goflagsProblem('--')).toBe('non-flag "--"');
  });

  it('knows the GOAUTH forms', () => {
    expect(goauthProblem('netrc; git /srv/repo; /usr/local/bin/auth')).toBeUndefined();
    expect(goauthProblem('off')).toBeUndefined();
    expect(goauthProblem('off;netrc')).toContain('cannot be combined');
    expect(goauthProblem('git relative')).toContain('absolute working directory');
    expect(goauthProblem('my-helper')).toContain('absolute command path');
  });

  it('accepts proxy addresses net/http understands', () => {
    expect(httpProxyProblem('http://gobox-proxy:3128')).toBeUndefined();
    expect(httpProxyProblem('proxy.corp:8080')).toBeUndefined();
    expect(httpProxyProblem('ftp://proxy.corp')).toContain('scheme must be');
  });
});

describe('validateGoEnv', () => {
  it('names the key, the value and its source in one line', () => {
    const env = { GOPROXY: { value: 'ftp://mirror', source: 'host config /etc/gobox/config.yaml' }, GOFLAGS: { value: '-mod=mod', source: 'caller env' } };
    expect(goEnvProblems(env)).toEqual([
      'GOPROXY="ftp://mirror" (from host config /etc/gobox/config.yaml): invalid proxy URL scheme (must be https, http, file): ftp://mirror',
    ]);
    const err = (() => {
      try {
        validateGoEnv(env);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(125);
    expect((err as ConfigError).message).not.toContain('\n');
  });

  it('passes good and unchecked keys', () => {
    expect(() => validateGoEnv({ GOPROXY: { value: 'off', source: 'profile' }, CGO_ENABLED: { value: '0', source: 'profile' } })).not.toThrow();
  });
});
