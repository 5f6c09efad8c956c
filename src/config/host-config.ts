import { access } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../common/errors.js';
import { systemConfigDir } from '../common/paths.js';
import { loadYamlFile } from './load-yaml.js';
import { hostConfigSchema, type HostConfig } from './schema.js';

export function hostConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.GOBOX_CONFIG ? path.resolve(env.GOBOX_CONFIG) : path.join(systemConfigDir(env), 'config.yaml');
}

/** The host policy; a host without a config file gets the defaults. */
export async function loadHostConfig(env: NodeJS.ProcessEnv = process.env): Promise<{ file?: string; config: HostConfig }> {
  const file = hostConfigFile(env);
  try {
    await access(file);
  } catch (e) {
    // Only a missing default file means "no policy"; a named file that is missing, or an
    // unreadable policy, must not silently fall back to the defaults.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || env.GOBOX_CONFIG) {
      throw new ConfigError(`${file}: cannot read host config: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    return { config: hostConfigSchema.parse({}) };
  }
  return { file, config: await loadYamlFile(file, hostConfigSchema) };
}
