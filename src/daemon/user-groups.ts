import { errorMessage } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { groupsOf, loginGroupsOf, type HostGroup, type HostUser } from './users.js';

const log = logger('serve');

/** Each user's login groups as last read: a failed lookup keeps them (logged), never fewer. */
const lastLoginGroups = new Map<number, string[]>();

/** The groups NSS gives the user at login, which it may not enumerate as members (sssd, LDAP). */
async function loginGroups(user: HostUser): Promise<string[]> {
  try {
    const names = await loginGroupsOf(user);
    lastLoginGroups.set(user.uid, names);
    return names;
  } catch (e) {
    log.warn(`${errorMessage(e)}; keeping the groups read before`);
    return lastLoginGroups.get(user.uid) ?? [];
  }
}

/** Every group of the user the daemon's policies go by: the group database's and the login's. */
export async function allGroupsOf(user: HostUser, groups: HostGroup[]): Promise<string[]> {
  return [...new Set([...groupsOf(user, groups), ...(await loginGroups(user))])];
}
