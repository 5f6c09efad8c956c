import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../common/errors.js';
import { hostConfigSchema } from '../../config/schema.js';
import { applyProxyModeEnv, hostPortOf, proxyAllowList } from './proxy-env.js';
import { proxyTargetsOf } from '../run/host-engine.js';

const withProxy = {
  file: '/etc/gobox/config.yaml',
  config: hostConfigSchema.parse({ proxy: { url: 'https://goproxy.corp.example', allow: ['SumDB.Corp.Example:443'] } }),
};
const without = { file: '/etc/gobox/config.yaml', config: hostConfigSchema.parse({}) };

describe('proxy mode settings', () => {
  it('derives host:port with the default port of the scheme', () => {
    expect(hostPortOf('https://goproxy.corp.example')).toBe('goproxy.corp.example:443');
    expect(hostPortOf('http://172.17.0.1:8080/path')).toBe('172.17.0.1:8080');
    expect(hostPortOf('http://[::1]/')).toBe('[::1]:80');
  });

  it('allows the module proxy and the extra pairs, lower-cased, nothing else', () => {
    expect(proxyAllowList(withProxy, 'p')).toEqual(['goproxy.corp.example:443', 'sumdb.corp.example:443']);
  });

  it('refuses proxy mode with one line when no module proxy is configured', () => {
    expect(() => proxyAllowList(without, 'locked')).toThrow(PolicyError);
    expect(() => proxyAllowList(without, 'locked')).toThrow(
      'profile locked uses network mode proxy, but no module proxy is configured (set proxy.url in /etc/gobox/config.yaml)',
    );
  });

  it('points HTTP(S)_PROXY at the forwarder, empties NO_PROXY and defaults GOPROXY', () => {
    const env = { HTTPS_PROXY: { value: 'http://corp-proxy:8080', source: 'caller env' } };
    applyProxyModeEnv(env, withProxy, 'p');
    expect(env).toEqual({
      HTTPS_PROXY: { value: 'http://gobox-proxy:3128', source: 'gobox (network mode proxy)' },
      HTTP_PROXY: { value: 'http://gobox-proxy:3128', source: 'gobox (network mode proxy)' },
      NO_PROXY: { value: '', source: 'gobox (network mode proxy)' },
      GOPROXY: { value: 'https://goproxy.corp.example', source: 'host config /etc/gobox/config.yaml proxy.url' },
    });
  });

  it('on a cluster: no forwarder, the proxy variables empty (the caller\'s go nowhere), GOPROXY the module proxy', () => {
    const onCluster = { file: '/etc/gobox/config.yaml', config: hostConfigSchema.parse({ proxy: withProxy.config.proxy, engine: { kind: 'kubernetes', kubeconfig: '/k' } }) };
    const env: Parameters<typeof applyProxyModeEnv>[0] = { HTTPS_PROXY: { value: 'http://corp-proxy:8080', source: 'caller env' } };
    applyProxyModeEnv(env, onCluster, 'p');
    const source = 'gobox (network mode proxy on a cluster: straight to the module proxy)';
    expect(env).toEqual({
      HTTPS_PROXY: { value: '', source },
      HTTP_PROXY: { value: '', source },
      NO_PROXY: { value: '', source },
      GOPROXY: { value: 'https://goproxy.corp.example', source: 'host config /etc/gobox/config.yaml proxy.url' },
    });
    // ... and the cluster's NetworkPolicy gets the same destinations, as host and port.
    expect(proxyTargetsOf(onCluster.config.proxy!)).toEqual([{ host: 'goproxy.corp.example', port: 443 }, { host: 'sumdb.corp.example', port: 443 }]);
    expect(proxyTargetsOf(hostConfigSchema.parse({ proxy: { url: 'http://[::1]:8080/', allow: ['[::1]:8080'] } }).proxy!)).toEqual([{ host: '[::1]', port: 8080 }]);
  });

  it('keeps a GOPROXY that a layer set', () => {
    const env = { GOPROXY: { value: 'https://goproxy.corp.example/v2,off', source: 'profile /p.yaml' } };
    applyProxyModeEnv(env, withProxy, 'p');
    expect(env.GOPROXY).toEqual({ value: 'https://goproxy.corp.example/v2,off', source: 'profile /p.yaml' });
  });

  it('rejects a proxy URL that is not http(s) and allow entries that are not host:port', () => {
    expect(hostConfigSchema.safeParse({ proxy: { url: 'ftp://x' } }).success).toBe(false);
    expect(hostConfigSchema.safeParse({ proxy: { url: 'https://x', allow: ['sumdb.corp.example'] } }).success).toBe(false);
  });
});
