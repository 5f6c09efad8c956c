import { PolicyError } from '../../common/errors.js';
import type { HostConfig } from '../../config/schema.js';
import type { EnvWithSources } from '../../sandbox/env.js';

/** Names of proxy mode's engine objects: one forwarder per host (each user's network: app/network/user-network.ts). */
export const PROXY_MODE = {
  container: 'gobox-proxy',
  /** The forwarder's DNS name on the internal network. */
  alias: 'gobox-proxy',
  port: 3128,
} as const;

/** "host:port" of a URL, with the scheme's default port; IPv6 hosts keep their brackets. */
export function hostPortOf(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.hostname.toLowerCase()}:${port}`;
}

/**
 * What proxy mode lets through: the configured module proxy, then the host's extra pairs.
 * Without a configured proxy the mode would reach nothing at all, so it is refused outright.
 */
export function proxyAllowList(host: { file?: string; config: HostConfig }, profileName: string): string[] {
  const proxy = host.config.proxy;
  if (!proxy) {
    throw new PolicyError(`profile ${profileName} uses network mode proxy, but no module proxy is configured (set proxy.url in ${host.file ?? 'the host config'})`);
  }
  return [...new Set([hostPortOf(proxy.url), ...proxy.allow.map((a) => a.toLowerCase())])];
}

/**
 * Proxy mode's environment: every request goes through the forwarder, which is the only way
 * out of the internal network, so the caller's own HTTP(S)_PROXY would only break things.
 * GOPROXY defaults to the configured module proxy when no layer sets one, because Go's default
 * (the public module proxy, then direct) is unreachable there.
 */
export function applyProxyModeEnv(goEnv: EnvWithSources, host: { file?: string; config: HostConfig }, profileName: string): void {
  proxyAllowList(host, profileName);
  // On a cluster there is no forwarder: a pod reaches the module proxy directly, and its
  // NetworkPolicy lets nothing else out (engine/kubernetes/proxy-targets.ts). The proxy
  // variables are still set, empty, so that the caller's own cannot point elsewhere.
  const onCluster = host.config.engine.kind === 'kubernetes';
  const forwarder = onCluster ? '' : `http://${PROXY_MODE.alias}:${PROXY_MODE.port}`;
  const source = onCluster ? 'gobox (network mode proxy on a cluster: straight to the module proxy)' : 'gobox (network mode proxy)';
  goEnv.HTTP_PROXY = { value: forwarder, source };
  goEnv.HTTPS_PROXY = { value: forwarder, source };
  goEnv.NO_PROXY = { value: '', source };
  const url = host.config.proxy!.url;
  if (!goEnv.GOPROXY?.value) goEnv.GOPROXY = { value: url, source: host.file ? `host config ${host.file} proxy.url` : 'host config proxy.url' };
}
