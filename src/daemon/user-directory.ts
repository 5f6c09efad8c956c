import { errorMessage } from '../common/errors.js';
import { logger } from '../common/logger.js';
import { allGroups, allUsers, type HostGroup, type HostUser } from './users.js';

const log = logger('serve');

export interface UserSnapshot {
  users: HostUser[];
  groups: HostGroup[];
  /** When they were read. */
  at: Date;
}

const readHost = async (): Promise<Omit<UserSnapshot, 'at'>> => {
  const [users, groups] = await Promise.all([allUsers(), allGroups()]);
  return { users, groups };
};

/**
 * The host's users and groups as the daemon last read them. Every rule that lists users (whose
 * homes are off limits, who gets a socket, which group rules apply) reads from here: a failed
 * read (NSS, sssd or LDAP down) keeps the last good answer and is logged, so a failure never
 * turns into "nobody else exists", which would loosen them.
 */
export class UserDirectory {
  private last: UserSnapshot | undefined;
  private failing = false;

  constructor(private readonly read: () => Promise<Omit<UserSnapshot, 'at'>> = readHost) {}

  /** Reads afresh; on failure the last good snapshot, and with none yet, the failure. */
  async current(): Promise<UserSnapshot> {
    try {
      this.last = { ...(await this.read()), at: new Date() };
      if (this.failing) log.info('the host\'s user and group databases answer again');
      this.failing = false;
    } catch (e) {
      if (!this.last) throw e;
      if (!this.failing) log.warn(`${errorMessage(e)}; keeping the users and groups read at ${this.last.at.toISOString()} until it answers again`);
      this.failing = true;
    }
    return this.last;
  }
}
