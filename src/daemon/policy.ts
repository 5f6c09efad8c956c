import { PolicyError } from '../common/errors.js';
import { formatDuration, formatSize, parseDuration, parseSize } from '../common/units.js';
import type { HostConfig, NetworkMode, Profile } from '../config/schema.js';
import type { LimitOverrides } from '../wire/daemon-request.js';

export interface EffectivePolicy {
  allowedProfiles?: string[];
  maxLimits: { memory?: string | number; cpus?: number; pids?: number; timeout?: string | number; output?: string | number; cacheSize?: string | number };
  maxSandboxes: number;
  networks?: NetworkMode[];
}

/** Host defaults, then every rule naming the user or one of their groups, in file order (later wins). */
export function effectivePolicy(config: HostConfig, user: string, groups: string[]): EffectivePolicy {
  const p: EffectivePolicy = {
    ...(config.allowedProfiles ? { allowedProfiles: config.allowedProfiles } : {}),
    maxLimits: { ...config.maxLimits },
    maxSandboxes: config.policy.maxSandboxes,
    ...(config.policy.networks ? { networks: config.policy.networks } : {}),
  };
  for (const rule of config.policy.rules) {
    if (!rule.users.includes(user) && !rule.groups.some((g) => groups.includes(g))) continue;
    if (rule.allowedProfiles) p.allowedProfiles = rule.allowedProfiles;
    if (rule.maxLimits) p.maxLimits = { ...p.maxLimits, ...rule.maxLimits };
    if (rule.maxSandboxes) p.maxSandboxes = rule.maxSandboxes;
    if (rule.networks) p.networks = rule.networks;
  }
  return p;
}

type Key = 'memory' | 'cpus' | 'pids' | 'timeout' | 'output';

const KIND: Record<Key, 'size' | 'number' | 'duration'> = { memory: 'size', cpus: 'number', pids: 'number', timeout: 'duration', output: 'size' };

function value(kind: 'size' | 'number' | 'duration', v: string | number): number {
  if (kind === 'number') return Number(v);
  const n = kind === 'size' ? parseSize(v) : parseDuration(v);
  return n ?? Number.NaN;
}

function show(kind: 'size' | 'number' | 'duration', n: number): string {
  return kind === 'size' ? formatSize(n) : kind === 'duration' ? formatDuration(n) : String(n);
}

/**
 * The profile a daemon sandbox really gets. A request over the policy is refused with the limit
 * named; the profile's own values above the maximum are lowered to it (the admin's policy wins
 * over a profile, and a user did not ask for them). A timeout of 0 ("none") counts as infinite.
 */
export function applyPolicy(profileName: string, profile: Profile, req: LimitOverrides, policy: EffectivePolicy, file = 'the host config'): Profile {
  if (policy.allowedProfiles && !policy.allowedProfiles.includes(profileName)) {
    throw new PolicyError(`profile '${profileName}' is not allowed for you by the policy (allowed: ${policy.allowedProfiles.join(', ') || 'none'})`, {
      hint: `choose one with -p, or ask an administrator to change allowedProfiles in ${file}`,
    });
  }
  if (policy.networks && !policy.networks.includes(profile.network) && !profile.jail) {
    throw new PolicyError(`network mode '${profile.network}' of profile '${profileName}' is not allowed by the policy (policy.networks: ${policy.networks.join(', ')})`, {
      hint: `choose a profile with an allowed network mode, or ask an administrator (${file})`,
    });
  }
  const limits = { ...profile.limits };
  for (const key of Object.keys(KIND) as Key[]) {
    const kind = KIND[key];
    const maxText = policy.maxLimits[key];
    const max = maxText === undefined ? Infinity : value(kind, maxText);
    const asked = req[key];
    const effMax = kind === 'duration' && max === 0 ? Infinity : max;
    if (asked !== undefined) {
      const n = value(kind, asked);
      const over = kind === 'duration' && n === 0 ? effMax !== Infinity : n > effMax;
      if (over) {
        throw new PolicyError(`requested ${key} ${kind === 'duration' && n === 0 ? 'none' : show(kind, n)} exceeds the policy maximum ${show(kind, effMax)} (maxLimits.${key})`, {
          hint: `ask for at most ${show(kind, effMax)}, or ask an administrator to raise maxLimits.${key} in ${file}`,
        });
      }
      (limits as Record<Key, string | number>)[key] = asked;
      continue;
    }
    const current = value(kind, limits[key]);
    const unlimited = kind === 'duration' && current === 0;
    if (effMax !== Infinity && (unlimited || current > effMax)) (limits as Record<Key, string | number>)[key] = maxText!;
  }
  const cache = { ...profile.cache };
  const maxCache = policy.maxLimits.cacheSize === undefined ? undefined : parseSize(policy.maxLimits.cacheSize);
  if (maxCache !== undefined && (parseSize(cache.size) ?? 0) > maxCache) cache.size = policy.maxLimits.cacheSize!;
  return { ...profile, limits, cache };
}
