import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './gobox.js';
import { shared } from './env.js';

/** A user with rootless Podman and no docker group: discovery must end at their own Podman. */
export const PODMAN_USER = { name: 'gobox-it-podman', uid: 23410 };

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs podman as the test user, the way they would in their own shell. */
export function podmanAs(args: string[]): string {
  const u = PODMAN_USER;
  return sh('runuser', ['-u', u.name, '--', 'env', '-i', `HOME=/home/${u.name}`, `XDG_RUNTIME_DIR=/run/user/${u.uid}`, 'PATH=/usr/bin:/bin', 'podman', ...args]);
}

/**
 * The test user, set up as an administrator would (scripts/setup-podman-user.sh), and the
 * image archive the admin leaves for rootless engines, exported from root's Docker.
 */
export function preparePodmanUser(): { name: string; uid: number; gid: number } {
  try {
    sh('id', ['-u', PODMAN_USER.name]);
  } catch {
    sh('useradd', ['--create-home', '--uid', String(PODMAN_USER.uid), '--user-group', '--shell', '/bin/sh', PODMAN_USER.name]);
  }
  sh('bash', [path.join(REPO, 'scripts', 'setup-podman-user.sh'), PODMAN_USER.name]);
  const dir = path.join(shared.stateDir, 'images');
  const archive = path.join(dir, 'gobox-base_bookworm.tar');
  const id = sh('docker', ['image', 'inspect', '-f', '{{.Id}}', 'gobox-base:bookworm']).trim();
  // Export again only when root's image changed: docker save of ~450 MB takes seconds.
  const stamp = `${archive}.id`;
  if (!existsSync(archive) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== id) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    sh('docker', ['save', 'gobox-base:bookworm', '-o', archive]);
    sh('chmod', ['0644', archive]);
    writeFileSync(stamp, id);
  }
  return { ...PODMAN_USER, gid: Number(sh('id', ['-g', PODMAN_USER.name]).trim()) };
}
