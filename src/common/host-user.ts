import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { errorMessage, UserLookupError } from './errors.js';

const run = promisify(execFile);

/** A login account of the host, as getent reports it: whom a daemon or agent session serves. */
export interface HostUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** getent's exit status for "no such key": an answer, not a failure. */
const GETENT_NOT_FOUND = 2;

/**
 * The host's user (or group) database through getent, so NSS accounts (LDAP, sssd) count as
 * well as /etc/passwd. A failure throws: an empty answer would read as "no such user" or "there
 * are no other users", which drops a student or loosens a rule for the host's fault.
 */
export async function getent(db: 'passwd' | 'group', key?: string): Promise<string[]> {
  try {
    // "--": a key is never read as an option, whatever a roster or a request names.
    const { stdout } = await run('getent', key === undefined ? [db] : [db, '--', key], { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
    return stdout.split('\n').filter(Boolean);
  } catch (e) {
    if (key !== undefined && (e as { code?: unknown }).code === GETENT_NOT_FOUND) return [];
    throw new UserLookupError(`cannot read the host's ${db} database (getent ${db}${key === undefined ? '' : ` ${key}`}): ${errorMessage(e).split('\n')[0]}`, {
      hint: 'check NSS (sssd, LDAP) on this host: getent passwd',
    });
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

export async function userByUid(uid: number): Promise<HostUser | undefined> {
  return (await getent('passwd', String(uid))).map(parsePasswdLine)[0];
}

export async function userByName(name: string): Promise<HostUser | undefined> {
  return (await getent('passwd', name)).map(parsePasswdLine)[0];
}
