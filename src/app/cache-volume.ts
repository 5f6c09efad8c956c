import { CacheError } from '../common/errors.js';
import { LABEL } from '../common/labels.js';
import type { Progress } from '../common/progress.js';
import type { Profile } from '../config/schema.js';
import type { Engine } from '../engine/index.js';
import type { RunOutcome } from './execute.js';

export function cacheVolumeName(uid: number): string {
  return `gobox-cache-${uid}`;
}

/**
 * The user's cache volume, created on first use and chowned to the user by a short root helper
 * that keeps only CAP_CHOWN (the engine creates volumes owned by root).
 */
export async function ensureCacheVolume(engine: Engine, user: { uid: number; gid: number }, profile: Profile, _progress: Progress): Promise<string> {
  const image = profile.image;
  const name = cacheVolumeName(user.uid);
  const existing = await engine.getVolume(name);
  if (existing) {
    const owner = existing.labels[LABEL.owner];
    if (owner !== undefined && owner !== String(user.uid)) {
      throw new CacheError(`cache volume ${name} belongs to uid ${owner}, not ${user.uid}`, { hint: `an administrator should remove it: docker volume rm ${name}` });
    }
    if (existing.labels['gobox.ready'] !== undefined || owner !== undefined) return name;
  }
  await engine.createVolume(name, { [LABEL.managed]: 'true', [LABEL.kind]: 'cache', [LABEL.owner]: String(user.uid) });
  const res = await engine.runHelper({
    image,
    command: ['sh', '-c', `mkdir -p /v/build /v/mod && chmod 0700 /v && chown -R ${user.uid}:${user.gid} /v`],
    user: '0:0',
    capAdd: ['CHOWN'],
    mounts: [{ kind: 'volume', name, target: '/v', readonly: false }],
    labels: { [LABEL.owner]: String(user.uid) },
    network: 'none',
  });
  if (res.exitCode !== 0) {
    await engine.removeVolume(name).catch(() => {});
    throw new CacheError(`cannot prepare cache volume ${name}: ${res.output.trim() || `helper exited ${res.exitCode}`}`);
  }
  return name;
}

/** After each run: notices for the user about their cache (quota use, trims). */
export async function afterRunCache(_engine: Engine, _user: { uid: number; gid: number }, _profile: Profile, _outcome: RunOutcome): Promise<string[]> {
  return [];
}
