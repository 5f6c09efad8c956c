import { describe, expect, it } from 'vitest';
import { hostConfigSchema, profileSchema } from '../../config/schema.js';
import { mergeGoEnv } from './go-env.js';

function merge(profileEnv: Record<string, string>, hostEnv: Record<string, string>, callerEnv: NodeJS.ProcessEnv) {
  return mergeGoEnv({
    profile: profileSchema.parse({ env: profileEnv }),
    profileFile: '/p/default.yaml',
    host: hostConfigSchema.parse({ env: hostEnv }),
    hostFile: '/etc/gobox/config.yaml',
    callerEnv,
  });
}

describe('mergeGoEnv', () => {
  it('takes the profile, then the host config, then the caller, naming each source', () => {
    const env = merge(
      { GOPROXY: 'profile-proxy', GOFLAGS: '-mod=readonly', GOSUMDB: 'off' },
      { GOPROXY: 'host-proxy', GOPRIVATE: 'corp.example' },
      { GOPROXY: 'caller-proxy' },
    );
    expect(env.GOPROXY).toEqual({ value: 'caller-proxy', source: 'caller env' });
    expect(env.GOPRIVATE).toEqual({ value: 'corp.example', source: 'host config /etc/gobox/config.yaml' });
    expect(env.GOFLAGS).toEqual({ value: '-mod=readonly', source: 'profile /p/default.yaml' });
    expect(env.GOSUMDB!.value).toBe('off');
  });

  it('lets the host config beat the profile', () => {
    expect(merge({ GOPROXY: 'p' }, { GOPROXY: 'h' }, {}).GOPROXY!.value).toBe('h');
  });

  it('names the host config without a file', () => {
    const env = mergeGoEnv({
      profile: profileSchema.parse({}),
      profileFile: 'x',
      host: hostConfigSchema.parse({ env: { GONOSUMDB: 'corp' } }),
      callerEnv: {},
    });
    expect(env.GONOSUMDB).toEqual({ value: 'corp', source: 'host config' });
  });

  it('passes only allowlisted caller variables', () => {
    const env = merge({}, {}, {
      GOROOT: '/usr/lib/go',
      GOPATH: '/home/ann/go',
      GOCACHE: '/home/ann/.cache',
      GOTOOLCHAIN: 'auto',
      LD_PRELOAD: '/evil.so',
      PATH: '/usr/bin',
      HOME: '/home/ann',
      SSL_CERT_FILE: '/x.pem',
      GOFLAGS: '-v',
      NO_PROXY: 'localhost',
    });
    expect(Object.keys(env).sort()).toEqual(['GOFLAGS', 'NO_PROXY']);
  });

  it('maps lower-case proxy variables onto the upper-case keys', () => {
    const env = merge({}, { HTTPS_PROXY: 'http://host:3128' }, {
      https_proxy: 'http://lower:3128',
      http_proxy: 'http://lower:80',
      no_proxy: '.corp',
    });
    expect(env.HTTPS_PROXY).toEqual({ value: 'http://lower:3128', source: 'caller env https_proxy' });
    expect(env.HTTP_PROXY!.value).toBe('http://lower:80');
    expect(env.NO_PROXY!.value).toBe('.corp');
    expect(env).not.toHaveProperty('https_proxy');
    expect(env).not.toHaveProperty('http_proxy');
  });

  it('prefers the caller upper-case proxy over its lower-case alias', () => {
    const env = merge({}, {}, { https_proxy: 'lower', HTTPS_PROXY: 'upper' });
    expect(env.HTTPS_PROXY).toEqual({ value: 'upper', source: 'caller env' });
  });

  it('is empty when nobody sets anything', () => {
    expect(merge({}, {}, {})).toEqual({});
  });
});
