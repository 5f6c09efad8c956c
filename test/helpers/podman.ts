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
export function podmanAs(args: string[], u: { name: string; uid: number } = PODMAN_USER): string {
  return sh('runuser', ['-u', u.name, '--', 'env', '-i', `HOME=/home/${u.name}`, `XDG_RUNTIME_DIR=/run/user/${u.uid}`, 'PATH=/usr/bin:/bin', 'podman', ...args]);
}

/**
 * The test user, set up as an administrator would (scripts/setup-podman-user.sh), and the
 * image archive the admin leaves for rootless engines, exported from root's Docker.
 */
export function preparePodmanUser(u: { name: string; uid: number } = PODMAN_USER, subidStart?: number): { name: string; uid: number; gid: number } {
  try {
    sh('id', ['-u', u.name]);
  } catch {
    sh('useradd', ['--create-home', '--uid', String(u.uid), '--user-group', '--shell', '/bin/sh', u.name]);
  }
  sh('bash', [path.join(REPO, 'scripts', 'setup-podman-user.sh'), u.name, ...(subidStart ? [String(subidStart)] : [])]);
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
  return { ...u, gid: Number(sh('id', ['-g', u.name]).trim()) };
}
