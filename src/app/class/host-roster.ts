import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { errorMessage, UserLookupError } from '../../common/errors.js';
import { getent, parsePasswdLine } from '../../common/host-user.js';
import type { DirProbe, GradingIdentity, RosterAccount, RosterHost } from './roster-checks.js';

const run = promisify(execFile);

/**
 * The user database through getent, so NSS accounts (LDAP, sssd) count. A failing lookup throws:
 * reading it as "unknown user" would drop a student for the host's fault.
 */
export async function lookupUser(name: string): Promise<RosterAccount | undefined> {
  const lines = await getent('passwd', name);
  if (lines.length === 0) return undefined;
  const u = parsePasswdLine(lines[0]!);
  if (!u) throw new UserLookupError(`cannot read the host's passwd database (getent passwd ${name}): unreadable answer "${lines[0]}"`, { hint: 'check NSS (sssd, LDAP) on this host: getent passwd' });
  return { name: u.name, uid: u.uid, gid: u.gid };
}

/** The first symlink on the path not owned by root: one a user made, so it can point anywhere. */
async function userSymlinkOn(dir: string): Promise<string | undefined> {
  const parts = dir.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = '/' + parts.slice(0, i).join('/');
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st) return undefined;
    if (st.isSymbolicLink() && st.uid !== 0) return p;
  }
  return undefined;
}

/**
 * Whether `as` may list and enter the directory, decided by the kernel itself: `test -r -a -x` run
 * under setpriv with that uid, gid and (for an account) its login groups, so ACLs, group
 * membership and every parent's search bit count exactly as they will for the sandbox.
 */
export async function readableAs(dir: string, as: GradingIdentity): Promise<boolean> {
  const groups = as.user ? ['--init-groups'] : ['--clear-groups'];
  try {
    await run('setpriv', [`--reuid=${as.uid}`, `--regid=${as.gid}`, ...groups, '--', 'test', '-r', dir, '-a', '-x', dir], { timeout: 15_000 });
    return true;
  } catch (e) {
    if ((e as { code?: unknown }).code === 1) return false;
    throw new Error(`setpriv as uid ${as.uid}: ${errorMessage(e).split('\n')[0]}`);
  }
}

export async function probeDir(dir: string, as: GradingIdentity): Promise<DirProbe> {
  let real: string;
  try {
    real = await fs.realpath(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    throw e;
  }
  const st = await fs.stat(real);
  if (!st.isDirectory()) return { kind: 'not-dir', real };
  const via = await userSymlinkOn(path.normalize(dir));
  return { kind: 'dir', real, ownerUid: st.uid, readable: await readableAs(real, as), ...(via ? { symlinkVia: via } : {}) };
}

export const hostRoster: RosterHost = { lookupUser, probeDir };
