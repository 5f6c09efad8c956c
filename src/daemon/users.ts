import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { errorMessage, UserLookupError } from '../common/errors.js';
import { getent, parsePasswdLine, type HostUser } from '../common/host-user.js';

const run = promisify(execFile);

export { userByName, userByUid, type HostUser } from '../common/host-user.js';

export interface HostGroup {
  name: string;
  gid: number;
  members: string[];
}

export function parseGroupLine(line: string): HostGroup | undefined {
  const f = line.split(':');
  if (f.length < 4) return undefined;
  const gid = Number(f[2]);
  if (!Number.isInteger(gid)) return undefined;
  return { name: f[0]!, gid, members: f[3] ? f[3].split(',').filter(Boolean) : [] };
}

export async function allUsers(): Promise<HostUser[]> {
  const users = (await getent('passwd')).map(parsePasswdLine).filter((u): u is HostUser => u !== undefined);
  // Every host has root: a list without it is a broken answer, not an empty host.
  if (!users.some((u) => u.uid === 0)) throw new UserLookupError('the host\'s passwd database answered without root: not trusted', { hint: 'check NSS (sssd, LDAP) on this host: getent passwd' });
  return users;
}

export async function allGroups(): Promise<HostGroup[]> {
  return (await getent('group')).map(parseGroupLine).filter((g): g is HostGroup => g !== undefined);
}

/** One group by name: NSS answers this even where it does not enumerate (sssd enumerate = false). */
export async function groupByName(name: string): Promise<HostGroup | undefined> {
  return (await getent('group', name)).map(parseGroupLine)[0];
}

/**
 * The groups NSS gives the user at login (initgroups, as `id -Gn`): sssd and LDAP answer this
 * even where `getent group` lists no members, so group rules hold for such users too.
 */
export async function loginGroupsOf(user: HostUser): Promise<string[]> {
  try {
    const { stdout } = await run('id', ['-Gn', '--', user.name], { timeout: 15_000 });
    return stdout.trim().split(/\s+/).filter(Boolean);
  } catch (e) {
    throw new UserLookupError(`cannot read the groups of ${user.name} (id -Gn): ${errorMessage(e).split('\n')[0]}`, { hint: 'check NSS (sssd, LDAP) on this host: id USER' });
  }
}

/** Names of every group the user is in: primary and supplementary. */
export function groupsOf(user: HostUser, groups: HostGroup[]): string[] {
  return groups.filter((g) => g.gid === user.gid || g.members.includes(user.name)).map((g) => g.name);
}

/** Login users per /etc/login.defs (UID_MIN..UID_MAX); system accounts and nobody are never served as "all". */
export async function loginUidRange(): Promise<{ min: number; max: number }> {
  const text = await readFile('/etc/login.defs', 'utf8').catch(() => '');
  const pick = (key: string, dflt: number) => Number(new RegExp(`^\\s*${key}\\s+(\\d+)`, 'm').exec(text)?.[1] ?? dflt);
  return { min: pick('UID_MIN', 1000), max: pick('UID_MAX', 60000) };
}
