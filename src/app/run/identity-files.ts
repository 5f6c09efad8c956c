import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { currentIdentity } from '../../common/identity.js';
import { SANDBOX_PATHS } from '../../sandbox/env.js';

export interface IdentityFiles {
  passwd: string;
  group: string;
  dispose(): Promise<void>;
}

/**
 * /etc/passwd and /etc/group naming the sandbox user, so `whoami`, git and ssh know who runs
 * (the image's root filesystem is read-only and cannot be edited per run). Written to a fresh
 * private temp dir per run, so no other user can plant or swap them.
 */
export async function writeIdentityFiles(user: { uid: number; gid: number }, name: string): Promise<IdentityFiles> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gobox-id-'));
  const login = /^[a-z_][a-z0-9_-]{0,31}$/.test(name) ? name : `u${user.uid}`;
  const passwd = path.join(dir, 'passwd');
  const group = path.join(dir, 'group');
  await writeFile(passwd, `root:x:0:0:root:/root:/usr/sbin/nologin\n${login}:x:${user.uid}:${user.gid}:gobox sandbox user:${SANDBOX_PATHS.home}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`, { mode: 0o644 });
  await writeFile(group, `root:x:0:\n${login}:x:${user.gid}:\nnogroup:x:65534:\n`, { mode: 0o644 });
  return { passwd, group, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** The login name a direct run's /etc/passwd gives: the caller's own, or "gobox" for a stand-in user (root's runs). */
export function sandboxLoginName(p: { user: { uid: number } }): string {
  return p.user.uid === process.getuid?.() ? currentIdentity().user : 'gobox';
}
