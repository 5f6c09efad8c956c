import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../common/errors.js';
import { packageRoot, systemConfigDir, userConfigDir } from '../common/paths.js';
import { loadYamlFile } from './load-yaml.js';
import { profileSchema, type Profile } from './schema.js';

export interface ProfileSource {
  name: string;
  file: string;
  /** Where it came from: later layers override earlier ones by name. */
  layer: 'builtin' | 'system' | 'user';
}

export interface LoadedProfile extends ProfileSource {
  profile: Profile;
}

export function profileDirs(env: NodeJS.ProcessEnv = process.env): { dir: string; layer: ProfileSource['layer'] }[] {
  return [
    { dir: path.join(packageRoot(), 'profiles'), layer: 'builtin' },
    { dir: path.join(systemConfigDir(env), 'profiles'), layer: 'system' },
    { dir: path.join(userConfigDir(env), 'profiles'), layer: 'user' },
  ];
}

async function yamlFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return [];
  }
}

/** Every profile name visible to this user, with the file that wins for each name. */
export async function listProfiles(env: NodeJS.ProcessEnv = process.env): Promise<ProfileSource[]> {
  const byName = new Map<string, ProfileSource>();
  for (const { dir, layer } of profileDirs(env)) {
    for (const f of await yamlFiles(dir)) {
      const name = f.replace(/\.ya?ml$/, '');
      byName.set(name, { name, file: path.join(dir, f), layer });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export async function loadProfile(name: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedProfile> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new UsageError(`invalid profile name '${name}'`);
  const all = await listProfiles(env);
  const source = all.find((p) => p.name === name);
  if (!source) {
    throw new UsageError(`unknown profile '${name}'`, {
      hint: `known profiles: ${all.map((p) => p.name).join(', ') || '(none)'}; see: gobox profile list`,
    });
  }
  return { ...source, profile: await loadYamlFile(source.file, profileSchema) };
}

export async function validateProfileFile(file: string): Promise<Profile> {
  return loadYamlFile(file, profileSchema);
}
