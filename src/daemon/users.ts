import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HostUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface HostGroup {
  name: string;
  gid: number;
  members: string[];
}

/** getent, so NSS users (LDAP, sssd) count as well as /etc/passwd. */
async function getent(db: 'passwd' | 'group', key?: string): Promise<string[]> {
  try {
    const { stdout } = await run('getent', key === undefined ? [db] : [db, key], { maxBuffer: 64 * 1024 * 1024 });
    return stdout.split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export function parsePasswdLine(line: string): HostUser | undefined {
  const f = line.split(':');
  if (f.length < 7) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { name: f[0]!, uid, gid, home: f[5]! };
}

export function parseGroupLine(line: string): HostGroup | undefined {
  const f = line.split(':');
  if (f.length < 4) return undefined;
  const gid = Number(f[2]);
  if (!Number.isInteger(gid)) return undefined;
  return { name: f[0]!, gid, members: f[3] ? f[3].split(',').filter(Boolean) : [] };
}

export async function allUsers(): Promise<HostUser[]> {
  return (await getent('passwd')).map(parsePasswdLine).filter((u): u is HostUser => u !== undefined);
}

export async function allGroups(): Promise<HostGroup[]> {
  return (await getent('group')).map(parseGroupLine).filter((g): g is HostGroup => g !== undefined);
}

export async function userByUid(uid: number): Promise<HostUser | undefined> {
  return (await getent('passwd', String(uid))).map(parsePasswdLine)[0];
}

export async function userByName(name: string): Promise<HostUser | undefined> {
  return (await getent('passwd', name)).map(parsePasswdLine)[0];
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
