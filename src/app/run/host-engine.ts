import { LABEL } from '../../common/labels.js';
import { parseDuration, parseSize } from '../../common/units.js';
import { CacheError } from '../../common/errors.js';
import { loadHostConfig } from '../../config/host-config.js';
import type { HostConfig } from '../../config/schema.js';
import type { Profile } from '../../config/schema.js';
import { connectEngine, KUBERNETES_DEFAULTS, type Engine, type EngineChoice } from '../../engine/index.js';
import { cacheVolumeName } from '../cache/volume.js';
import { hostPortOf } from '../network/proxy-env.js';

/** Host config's `engine:` as the engine layer takes it: sizes and durations as numbers. */
export function engineChoice(host: HostConfig): EngineChoice {
  const e = host.engine;
  if (e.kind === 'docker') return e;
  const { syncLimit, startTimeout, ...rest } = e;
  return {
    ...rest,
    syncLimitBytes: parseSize(syncLimit) ?? KUBERNETES_DEFAULTS.syncLimitBytes,
    startTimeoutMs: parseDuration(startTimeout) ?? KUBERNETES_DEFAULTS.startTimeoutMs,
    ...(host.proxy ? { proxyTargets: proxyTargetsOf(host.proxy) } : {}),
  };
}

/** Proxy mode's destinations (proxy.url, then proxy.allow) as host and port, for a cluster's NetworkPolicy. */
export function proxyTargetsOf(proxy: NonNullable<HostConfig['proxy']>): { host: string; port: number }[] {
  return [...new Set([hostPortOf(proxy.url), ...proxy.allow.map((a) => a.toLowerCase())])].map((hp) => {
    const at = hp.lastIndexOf(':');
    return { host: hp.slice(0, at), port: Number(hp.slice(at + 1)) };
  });
}

/** The engine the host config chooses: what every command that does not prepare a run connects to. */
export async function connectHostEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  const host = await loadHostConfig(env);
  return connectEngine(env, engineChoice(host.config));
}

export const onCluster = (engine: Engine): boolean => engine.kind === 'kubernetes';

/**
 * The user's cache on a cluster: a claim named like the volume, sized by the profile's
 * cache.size, made on first use and never deleted with a pod. Its size is its limit, as far as
 * the cluster's storage enforces one (docs/kubernetes.md).
 */
export async function ensureCacheClaim(engine: Engine, uid: number, profile: Profile): Promise<string> {
  const name = cacheVolumeName(uid);
  const existing = await engine.getVolume(name);
  const owner = existing?.labels[LABEL.owner];
  if (owner !== undefined && owner !== String(uid)) throw new CacheError(`cache claim ${name} belongs to uid ${owner}, not ${uid}`);
  if (!existing) {
    const size = String(parseSize(profile.cache.size) ?? 10 * 1024 ** 3);
    await engine.createVolume(name, { [LABEL.managed]: 'true', [LABEL.kind]: 'cache', [LABEL.owner]: String(uid) }, { size });
  }
  return name;
}
