import type { HostConfig } from '../config/schema.js';
import { allGroups, allUsers, groupsOf, loginUidRange, type HostUser } from './users.js';

/**
 * Who gets a socket: every login user ("all"), the listed users, plus members of the listed
 * groups. Root never does: root drives the engine directly and administers the daemon.
 */
export async function servedUsers(serve: HostConfig['serve']): Promise<HostUser[]> {
  const [users, groups] = await Promise.all([allUsers(), allGroups()]);
  const range = await loginUidRange();
  const picked = new Map<number, HostUser>();
  for (const u of users) {
    if (u.uid === 0) continue;
    const byAll = serve.users === 'all' && u.uid >= range.min && u.uid <= range.max;
    const byName = serve.users !== 'all' && serve.users.includes(u.name);
    const byGroup = serve.groups.length > 0 && groupsOf(u, groups).some((g) => serve.groups.includes(g));
    if (byAll || byName || byGroup) picked.set(u.uid, u);
  }
  return [...picked.values()].sort((a, b) => a.uid - b.uid);
}
