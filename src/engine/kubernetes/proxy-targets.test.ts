import { describe, expect, it } from 'vitest';
import { resolveProxyTargets } from './proxy-targets.js';

describe('resolveProxyTargets', () => {
  it('turns hosts into addresses for the policy and /etc/hosts entries for the pod; literals need no entry', async () => {
    const dns: Record<string, string[]> = { 'proxy.corp.example': ['10.1.2.3', '10.1.2.4'], 'sum.corp.example': ['10.1.2.3'] };
    const r = await resolveProxyTargets(
      [{ host: 'proxy.corp.example', port: 443 }, { host: 'sum.corp.example', port: 443 }, { host: '192.0.2.7', port: 8443 }, { host: '[2001:db8::1]', port: 443 }],
      async (h) => dns[h] ?? [],
    );
    expect(r.targets).toEqual([
      { cidr: '10.1.2.3/32', port: 443 },
      { cidr: '10.1.2.4/32', port: 443 },
      { cidr: '192.0.2.7/32', port: 8443 },
      { cidr: '2001:db8::1/128', port: 443 },
    ]);
    expect(r.hostAliases).toEqual([
      { ip: '10.1.2.3', hostnames: ['proxy.corp.example', 'sum.corp.example'] },
      { ip: '10.1.2.4', hostnames: ['proxy.corp.example'] },
    ]);
  });

  it('says in one line which host it could not resolve', async () => {
    const fail = async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    await expect(resolveProxyTargets([{ host: 'gone.example', port: 443 }], fail)).rejects.toThrow(/^network mode proxy: cannot resolve gone\.example, the host config's module proxy \(proxy\.url or proxy\.allow\): ENOTFOUND$/);
  });
});
