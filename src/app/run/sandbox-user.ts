import { statSync, type Stats } from 'node:fs';
import { UsageError } from '../../common/errors.js';

export interface SandboxUser {
  uid: number;
  gid: number;
  /** Why this user, when it is not simply the caller. */
  note?: string;
  /** Something the caller must know before the command runs (shown without -v). */
  warning?: string;
  /** Mount the project read-only: this user could not write it anyway, so say so at once (EROFS). */
  projectReadOnly?: boolean;
}

/** nobody: what GOBOX_USER=nobody picks, and the group of users whose own group is root. */
export const NOBODY = { uid: 65534, gid: 65534 };

/**
 * The sandbox runs as the caller. A root caller never gets a root sandbox: it runs as
 * GOBOX_USER when root set it, else the sudo user, else the project's owner. In a project that
 * belongs to root itself, any other user would meet "permission denied" at the first file the
 * command writes (go build -o, go mod tidy), deep in a compiler error. So such a run is nobody
 * with the project mounted read-only, and gobox says so, and what to do, before it starts:
 * commands that only read (go version, go vet, go test) work; a write fails at once as
 * "read-only file system", after that line.
 */
export function chooseSandboxUser(caller: { uid: number; gid: number }, projectRoot: string, env: NodeJS.ProcessEnv): SandboxUser {
  const chosen = explicitUser(env.GOBOX_USER, caller);
  if (chosen) return withWriteCheck(chosen, projectRoot, 'GOBOX_USER');
  if (caller.uid !== 0) {
    if (caller.gid === 0) return { uid: caller.uid, gid: NOBODY.gid, note: `your primary group is root; running with group nobody (${NOBODY.gid})` };
    return { uid: caller.uid, gid: caller.gid };
  }
  const sudoUid = Number(env.SUDO_UID);
  const sudoGid = Number(env.SUDO_GID);
  if (Number.isInteger(sudoUid) && sudoUid > 0 && Number.isInteger(sudoGid) && sudoGid > 0) {
    return withWriteCheck({ uid: sudoUid, gid: sudoGid, note: `running as the sudo user ${sudoUid}:${sudoGid}, never as root` }, projectRoot, 'the sudo user');
  }
  const st = statSync(projectRoot);
  if (st.uid !== 0 && st.gid !== 0) return { uid: st.uid, gid: st.gid, note: `running as the project's owner ${st.uid}:${st.gid}, never as root` };
  if (st.uid !== 0) return { uid: st.uid, gid: NOBODY.gid, note: `running as the project's owner ${st.uid} with group nobody, never as root` };
  return {
    ...NOBODY,
    projectReadOnly: true,
    note: `the project belongs to root; running as nobody (${NOBODY.uid}) with the project read-only`,
    warning: `project ${projectRoot} belongs to root and a sandbox never runs as root, so this run is nobody with the project read-only; to build into it, chown it to the user who builds and run gobox as that user, or set GOBOX_USER=uid[:gid]`,
  };
}

/** GOBOX_USER: "nobody" or uid[:gid] (gid defaults to nobody's group); only root may pick someone else. */
function explicitUser(value: string | undefined, caller: { uid: number }): SandboxUser | undefined {
  if (!value) return undefined;
  const m = /^(\d+)(?::(\d+))?$/.exec(value.trim());
  const user = value.trim() === 'nobody' ? { ...NOBODY } : m ? { uid: Number(m[1]), gid: m[2] === undefined ? NOBODY.gid : Number(m[2]) } : undefined;
  if (!user) throw new UsageError(`GOBOX_USER=${value} is not a user gobox understands`, { hint: 'set it to uid[:gid], e.g. GOBOX_USER=1000:1000, or to nobody' });
  if (user.uid === 0 || user.gid === 0) throw new UsageError(`GOBOX_USER=${value} would run the sandbox as root, which gobox never does`, { hint: 'pick an unprivileged uid:gid' });
  if (caller.uid !== 0) {
    if (user.uid === caller.uid) return undefined; // the default anyway
    throw new UsageError(`GOBOX_USER=${value} picks another user, and only root may do that`, { hint: 'unset GOBOX_USER: your sandboxes run as you' });
  }
  return { ...user, note: `running as ${user.uid}:${user.gid}, as GOBOX_USER says` };
}

/** The user was named (GOBOX_USER, sudo) rather than found as the owner: say up front when it cannot write the project. */
function withWriteCheck(user: SandboxUser, projectRoot: string, why: string): SandboxUser {
  let st: Stats;
  try {
    st = statSync(projectRoot);
  } catch {
    return user;
  }
  if (canWrite(st, user)) return user;
  return { ...user, warning: `the sandbox runs as ${user.uid}:${user.gid} (${why}), which cannot write in ${projectRoot}: commands that write there (go build -o, go mod tidy) will fail with "permission denied"` };
}

function canWrite(st: Stats, u: { uid: number; gid: number }): boolean {
  const bits = st.uid === u.uid ? (st.mode >> 6) & 7 : st.gid === u.gid ? (st.mode >> 3) & 7 : st.mode & 7;
  return (bits & 3) === 3;
}
