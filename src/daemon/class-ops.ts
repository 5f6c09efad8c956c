import { classCommand, hostRoster, type ClassCommand, type GraderContext } from '../app/class/index.js';
import { readableAs } from '../app/class/host-roster.js';
import { UsageError } from '../common/errors.js';
import type { Progress } from '../common/progress.js';
import { stateDir } from '../common/paths.js';
import { loadHostConfig } from '../config/host-config.js';
import { FRAME } from '../wire/daemon-request.js';
import { sendFrame } from '../wire/send.js';
import type { Session } from '../wire/session.js';
import type { DaemonState } from './handler.js';
import { refuseOnCluster } from './run-request.js';
import { allGroupsOf } from './user-groups.js';
import { groupsOf } from './users.js';

/** Notices to a client that may have gone away: a class run goes on without it. */
function detachable(p: Progress): Progress {
  const safe = <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => {
    try {
      f(...a);
    } catch {
      // The teacher's terminal closed; the results are stored all the same.
    }
  };
  return { start: safe(p.start.bind(p)), update: safe(p.update.bind(p)), bytes: safe(p.bytes.bind(p)), succeed: safe(p.succeed.bind(p)), fail: safe(p.fail.bind(p)), notice: safe(p.notice.bind(p)) };
}

/**
 * `gobox class ...` for the socket's user on a shared host. Root's daemon runs students' code as
 * the students, so it does so only as far as host config `classes:` allows this grader: classes
 * outside their rules are refused (a student cannot start a class run or read results), students
 * outside them are left ungraded with one line, and a tests dir must be one they can read.
 */
export async function serveClassOp(s: Session, state: DaemonState): Promise<void> {
  const c = s.request.class as ClassCommand | undefined;
  if (!c) throw new UsageError('a class request without its command');
  const host = await loadHostConfig(state.env);
  const { users, groups } = await state.users.current();
  const grader: GraderContext = {
    name: s.user.name,
    groups: await allGroupsOf(s.user, groups),
    rules: host.config.classes,
    groupsOf: async (name) => {
      const u = users.find((x) => x.name === name);
      return u ? groupsOf(u, groups) : [];
    },
    canRead: (dir) => readableAs(dir, { uid: s.user.uid, gid: s.user.gid, user: s.user.name }),
  };
  // Grading copies each student's directory into a pod: on a cluster the daemon would do it as root.
  if (c.action === 'run') refuseOnCluster({ host }, 'grade a class');
  await state.audit.write({ event: 'class', user: s.user.name, uid: s.user.uid, session: s.id, command: ['class', c.action, ...(c.name ? [c.name] : [])] });
  const out = await classCommand(c, { stateDir: stateDir(state.env, 0), env: state.env, host: hostRoster, progress: detachable(s.progress), grader });
  try {
    sendFrame(s.socket, FRAME.result, JSON.stringify(out));
  } catch {
    // The client went away; the run's results are stored for gobox class results.
  }
}
