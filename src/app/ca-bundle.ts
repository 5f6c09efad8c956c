import { ConfigError } from '../common/errors.js';
import type { HostConfig } from '../config/schema.js';

/** Host path of the merged CA bundle (system roots + host CA) to mount, or undefined when none is configured. */
export async function prepareCaBundle(host: { file?: string; config: HostConfig }, _env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (!host.config.ca) return undefined;
  throw new ConfigError(`${host.file ?? 'host config'}: ca: CA bundles are not supported yet`);
}
