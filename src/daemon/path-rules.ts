import path from 'node:path';

/** System paths a daemon never mounts, nor any directory holding them. */
export const FORBIDDEN_PATHS = [
  '/proc', '/sys', '/dev', '/run', '/var/run', '/etc', '/boot', '/root',
  '/var/lib/docker', '/var/lib/containerd', '/var/lib/containers', '/var/lib/gobox', '/run/gobox',
] as const;

export interface PathContext {
  /** The caller's home: allowed even though homes in general are not shared. */
  ownHome: string;
  /** Every other user's home directory. */
  otherHomes: string[];
  /** Deployment-specific: the state dir, the run dir, the engine's data dir and socket. */
  extra: string[];
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Why a (real, absolute) project root must not be mounted, or undefined when it may be. A root
 * equal to, inside, or above a forbidden path is refused: above it, the sandbox would see it too.
 */
export function forbiddenReason(root: string, ctx: PathContext): string | undefined {
  if (root === '/') return 'the root directory / is never mounted';
  const homes = ctx.otherHomes.filter((h) => h !== '/' && h !== '' && !inside(ctx.ownHome, h));
  for (const f of [...FORBIDDEN_PATHS, ...ctx.extra]) {
    if (inside(root, f)) return `${root} ${root === f ? 'is' : 'is inside'} ${f}, which is never mounted into a sandbox`;
    if (inside(f, root)) return `${root} contains ${f}, which is never mounted into a sandbox`;
  }
  for (const h of homes) {
    if (inside(root, h)) return `${root} ${root === h ? 'is' : 'is inside'} another user's home ${h}`;
    if (inside(h, root) && !inside(root, ctx.ownHome)) return `${root} contains another user's home ${h}`;
  }
  return undefined;
}
