import { GO_ENV_KEYS } from '../../config/schema.js';
import type { HostConfig, Profile } from '../../config/schema.js';
import type { EnvWithSources } from '../../sandbox/env.js';

/** Lower-case proxy variables are common on hosts; they mean the same as the upper-case ones. */
const LOWERCASE_ALIASES: Record<string, string> = { http_proxy: 'HTTP_PROXY', https_proxy: 'HTTPS_PROXY', no_proxy: 'NO_PROXY' };

/**
 * Go settings for the sandbox, merged in this order of strength (weakest first):
 * the profile, the host config, then the caller's environment. Only allowlisted keys pass.
 */
export function mergeGoEnv(opts: {
  profile: Profile;
  profileFile: string;
  host: HostConfig;
  hostFile?: string;
  callerEnv: NodeJS.ProcessEnv;
}): EnvWithSources {
  const out: EnvWithSources = {};
  for (const [k, v] of Object.entries(opts.profile.env)) if (v !== undefined) out[k] = { value: v, source: `profile ${opts.profileFile}` };
  for (const [k, v] of Object.entries(opts.host.env)) if (v !== undefined) out[k] = { value: v, source: `host config ${opts.hostFile ?? ''}`.trim() };
  for (const [lower, upper] of Object.entries(LOWERCASE_ALIASES)) {
    if (opts.profile.jail && upper in opts.profile.env) continue;
    const v = opts.callerEnv[lower];
    if (v !== undefined && opts.callerEnv[upper] === undefined) out[upper] = { value: v, source: `caller env ${lower}` };
  }
  for (const k of GO_ENV_KEYS) {
    const v = opts.callerEnv[k];
    // A jail's own settings (offline proxy, trimpath, CGO off) are its point: the caller cannot undo them.
    if (opts.profile.jail && k in opts.profile.env) continue;
    if (v !== undefined) out[k] = { value: v, source: 'caller env' };
  }
  return out;
}
