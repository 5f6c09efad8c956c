import { logger } from '../common/logger.js';
import type { HostConfig } from '../config/schema.js';
import type { UserSnapshot } from './user-directory.js';
import { groupByName, groupsOf, loginUidRange, userByName, type HostUser } from './users.js';

const log = logger('serve');

/**
 * Who gets a socket: every login user ("all"), the listed users, plus members of the listed
 * groups. Root never does: root drives the engine directly and administers the daemon.
 *
 * Listed users and groups that the enumeration did not show (sssd or LDAP without enumeration)
 * are looked up by name, which NSS answers anyway. A failed lookup throws, so the caller keeps
 * the sockets it has instead of closing one; "no such user" is an answer and drops the name.
 */
export async function servedUsers(serve: HostConfig['serve'], host: UserSnapshot): Promise<HostUser[]> {
  const range = await loginUidRange();
  const picked = new Map<number, HostUser>();
  for (const u of host.users) {
    if (u.uid === 0) continue;
    const byAll = serve.users === 'all' && u.uid >= range.min && u.uid <= range.max;
    const byName = serve.users !== 'all' && serve.users.includes(u.name);
    const byGroup = serve.groups.length > 0 && groupsOf(u, host.groups).some((g) => serve.groups.includes(g));
    if (byAll || byName || byGroup) picked.set(u.uid, u);
  }
  const names = new Set(serve.users === 'all' ? [] : serve.users);
  for (const g of serve.groups) {
    const group = host.groups.find((x) => x.name === g) ?? (await groupByName(g));
    for (const m of group?.members ?? []) names.add(m);
  }
  const have = new Set([...picked.values()].map((u) => u.name));
  for (const name of names) {
    if (have.has(name)) continue;
    const u = await userByName(name);
    if (!u) log.warn(`serve: no user ${name} on this host`);
    else if (u.uid !== 0) picked.set(u.uid, u);
  }
  return [...picked.values()].sort((a, b) => a.uid - b.uid);
}

/** Whether the policy serves one user who asked (knock.ts): found by uid, perhaps in no enumeration. */
export async function servesUser(serve: HostConfig['serve'], user: HostUser, host: UserSnapshot): Promise<boolean> {
  if (user.uid === 0) return false;
  const range = await loginUidRange();
  if (serve.users === 'all' ? user.uid >= range.min && user.uid <= range.max : serve.users.includes(user.name)) return true;
  if (groupsOf(user, host.groups).some((g) => serve.groups.includes(g))) return true;
  for (const name of serve.groups) {
    const g = await groupByName(name);
    if (g && (g.gid === user.gid || g.members.includes(user.name))) return true;
  }
  return false;
}
