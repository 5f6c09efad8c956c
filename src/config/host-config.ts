import { access } from 'node:fs/promises';
import path from 'node:path';
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
  } catch {
    return { config: hostConfigSchema.parse({}) };
  }
  return { file, config: await loadYamlFile(file, hostConfigSchema) };
}
