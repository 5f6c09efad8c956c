import { execFileSync } from 'node:child_process';

/**
 * Creates a test user once (with a home and a group of its own); docker: also in the docker
 * group; shell: their login shell (default /bin/sh), set again when the user exists already.
 */
export function ensureTestUser(u: { name: string; uid: number }, o: { docker: boolean; shell?: string } = { docker: true }): void {
  try {
    execFileSync('id', ['-u', u.name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--uid', String(u.uid), '--user-group', '--shell', o.shell ?? '/bin/sh', u.name]);
  }
  if (o.shell) execFileSync('usermod', ['--shell', o.shell, u.name]);
  if (o.docker) execFileSync('usermod', ['-aG', 'docker', u.name]);
}
