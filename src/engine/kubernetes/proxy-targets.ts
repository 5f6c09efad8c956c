import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { V1HostAlias } from '@kubernetes/client-node';
import { GoboxError } from '../../common/errors.js';
import type { ProxyTarget } from './network-policy.js';

export interface ResolvedProxy {
  /** For the NetworkPolicy: each address of each destination, with its port. */
  targets: ProxyTarget[];
  /** For the pod's /etc/hosts: the names of those addresses. */
  hostAliases: V1HostAlias[];
}

const lookupAll = async (host: string): Promise<string[]> => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * Proxy mode's destinations by address, resolved where gobox runs, once per run: a NetworkPolicy
 * names addresses, not hosts; and the pod gets the same addresses as /etc/hosts entries, so it
 * needs no DNS (which its policy would have to let out as well).
 */
export async function resolveProxyTargets(wanted: readonly { host: string; port: number }[], resolve: (host: string) => Promise<string[]> = lookupAll): Promise<ResolvedProxy> {
  const targets = new Map<string, ProxyTarget>();
  const names = new Map<string, Set<string>>();
  for (const w of wanted) {
    const host = w.host.replace(/^\[(.*)\]$/, '$1');
    const literal = isIP(host) !== 0;
    const ips = literal
      ? [host]
      : await resolve(host).catch((e: NodeJS.ErrnoException) => {
          throw new GoboxError(`network mode proxy: cannot resolve ${host}, the host config's module proxy (proxy.url or proxy.allow): ${e.code ?? e.message}`);
        });
    for (const ip of ips) {
      const cidr = `${ip}/${isIP(ip) === 6 ? 128 : 32}`;
      targets.set(`${cidr} ${w.port}`, { cidr, port: w.port });
      if (!literal) names.set(ip, (names.get(ip) ?? new Set()).add(host));
    }
  }
  return { targets: [...targets.values()], hostAliases: [...names].map(([ip, hosts]) => ({ ip, hostnames: [...hosts] })) };
}
