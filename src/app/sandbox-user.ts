import { statSync } from 'node:fs';
import { UsageError } from '../common/errors.js';

export interface SandboxUser {
  uid: number;
  gid: number;
  /** Why this user, when it is not simply the caller. */
  note?: string;
}

/** Unprivileged fallback when root runs gobox on a root-owned project. */
export const NOBODY = { uid: 65534, gid: 65534 };

/**
 * The sandbox runs as the caller. A root caller never gets a root sandbox: it runs as the
 * sudo user, else the project's owner, else nobody, so files stay owned by a real user.
 */
export function chooseSandboxUser(caller: { uid: number; gid: number }, projectRoot: string, env: NodeJS.ProcessEnv): SandboxUser {
  if (caller.uid !== 0) {
    if (caller.gid === 0) return { uid: caller.uid, gid: NOBODY.gid, note: `your primary group is root; running with group nobody (${NOBODY.gid})` };
    return { uid: caller.uid, gid: caller.gid };
  }
  const sudoUid = Number(env.SUDO_UID);
  const sudoGid = Number(env.SUDO_GID);
  if (Number.isInteger(sudoUid) && sudoUid > 0 && Number.isInteger(sudoGid) && sudoGid > 0) {
    return { uid: sudoUid, gid: sudoGid, note: `running as the sudo user ${sudoUid}:${sudoGid}, never as root` };
  }
  const st = statSync(projectRoot);
  if (st.uid !== 0 && st.gid !== 0) return { uid: st.uid, gid: st.gid, note: `running as the project's owner ${st.uid}:${st.gid}, never as root` };
  if (st.uid !== 0) return { uid: st.uid, gid: NOBODY.gid, note: `running as the project's owner ${st.uid} with group nobody, never as root` };
  // nobody can only use a project that others may read and enter; say so rather than fail inside.
  if ((st.mode & 0o005) !== 0o005) {
    throw new UsageError(`project ${projectRoot} belongs to root and is not readable by others, and a sandbox never runs as root`, {
      hint: 'run gobox as the user who owns the project (or with sudo from that user), or chown the project to a normal user',
    });
  }
  return { ...NOBODY, note: 'the project belongs to root; running as nobody (65534), never as root; the project is read-only to it' };
}
