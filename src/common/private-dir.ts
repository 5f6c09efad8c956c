import type { Stats } from 'node:fs';

/**
 * Why a directory is not one user's alone (not a directory, someone else's, or open to group or
 * others), or undefined when it is. The one rule for the places gobox keeps per user: the agent's
 * socket dir, a user's lock place, rootless Podman's runtime dir. `mode: false` leaves the mode
 * to its owner (a runtime dir the login session made).
 */
export function privateDirProblem(st: Stats, uid: number, o: { mode: boolean } = { mode: true }): string | undefined {
  if (!st.isDirectory()) return 'it is not a directory';
  if (st.uid !== uid) return `it belongs to uid ${st.uid}`;
  if (o.mode && (st.mode & 0o077) !== 0) return `its mode is ${(st.mode & 0o777).toString(8)}, not 700`;
  return undefined;
}
