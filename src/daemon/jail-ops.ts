import { holdToJail, jailBuild } from '../app/jail/build.js';
import { rebuildUser } from '../app/jail/rebuild-as.js';
import { checkJailEnv, parseBuildArgs } from '../app/jail/flags.js';
import { checkEnvelope } from '../app/jail/signing.js';
import { errorMessage, isGoboxError, UsageError } from '../common/errors.js';
import { stateDir } from '../common/paths.js';
import { FRAME } from '../wire/daemon-request.js';
import type { JailBuildReply } from '../wire/jail-request.js';
import { sendExit, sendFrame } from '../wire/send.js';
import type { Session } from '../wire/session.js';
import type { AuditLog } from './audit.js';
import { daemonSite } from './jail-site.js';
import { gateSpec } from './mount-gate.js';
import { prepareDaemonRun, refuseOnCluster, runForDaemon, type DaemonRunInput } from './run-request.js';

/** What `gobox jail fetch` runs: every module of go.sum into the user's cache, then each checked against it. */
const FETCH = ['sh', '-c', 'go mod download && go mod verify'];

/**
 * `gobox jail fetch|build` and verify's signature check, for the socket's user, with the same
 * jail contract as a direct build (sandbox/jail-spec.ts). The project was probed as the user and
 * the container's mount is gated (mount-gate.ts); the out dir, the source digest and git are the
 * user's helper's (jail-site.ts), so outputs land only where the user could write and are theirs.
 * The record is root's: built from what root saw, and signed with the host's key when it has one.
 */
export async function serveJailOp(s: Session, input: DaemonRunInput, audit: AuditLog, labels: Record<string, string>): Promise<void> {
  const j = s.request.jail;
  if (!j) throw new UsageError('a jail request without its action');
  checkJailEnv(s.request.env);
  await audit.write({ event: 'jail', user: s.user.name, uid: s.user.uid, session: s.id, command: ['jail', j.action, ...j.flags, ...j.packages], cwd: input.project.cwd });
  if (j.action === 'signature') {
    if (j.provenance === undefined || j.envelope === undefined || !j.provenanceFile) throw new UsageError('a signature check needs the record and its envelope');
    const file = j.provenanceFile;
    const check = await checkEnvelope(input.host, { file: file.replace(/\.json$/, '') + '.dsse.json', text: j.envelope }, file, Buffer.from(j.provenance));
    sendFrame(s.socket, FRAME.result, JSON.stringify(check));
    return;
  }
  refuseOnCluster(input, 'build in a jail');
  const started = Date.now();
  const end = (exitCode: number, reason: string, subjects?: { name: string; sha256: string }[]) =>
    audit.write({ event: 'jail-end', user: s.user.name, uid: s.user.uid, session: s.id, action: j.action, exitCode, reason, durationMs: Date.now() - started, ...(subjects ? { subjects } : {}) });
  try {
    if (j.action === 'fetch') {
      // -mod=readonly: a fetch never rewrites go.mod or go.sum; it checks against them.
      const request = { ...s.request, command: FETCH, env: { ...s.request.env, GOFLAGS: '-mod=readonly' }, stdin: false, tty: false };
      const outcome = await runForDaemon({ ...input, request }, {
        io: { stdout: s.stdout(), stderr: s.stderr() },
        labels,
        onStart: (control) => s.started(control),
      });
      await end(outcome.exitCode, outcome.reason);
      sendExit(s.socket, outcome);
      return;
    }
    const args = parseBuildArgs([...j.flags, '--', ...j.packages]);
    // The jail fixes the build's environment: the request's Go settings were checked above and go no further.
    const request = { ...s.request, profile: s.request.profile ?? 'jail', command: ['go', 'build'], env: {}, stdin: false, tty: false };
    const p = holdToJail(await prepareDaemonRun({ ...input, request }), input.project.cwd);
    const r = await jailBuild({
      cwd: input.project.cwd, outDir: j.out ?? 'out', args, env: {}, progress: s.progress, stderr: s.stderr(),
      prepared: p,
      site: daemonSite(s.user, stateDir(input.daemonEnv, 0)),
      finishSpec: (spec) => gateSpec({ ...spec, labels: { ...spec.labels, ...labels } }, input.project),
      loginName: s.user.name,
      onStart: (control) => s.started(control),
      // verify's rebuild: as a uid the daemon picks, never one the request names.
      ...(j.rebuild ? { rebuildAs: rebuildUser(s.user) } : {}),
    });
    await end(0, j.rebuild ? `rebuilt as uid ${r.ranAs.uid}` : 'built', r.provenance.subject.map((x) => ({ name: x.name, sha256: x.digest.sha256 ?? '' })));
    const reply: JailBuildReply = { outDir: r.outDir, provenanceFile: r.provenanceFile, envelopeFile: r.envelopeFile ?? null, subjects: r.provenance.subject, ranAs: r.ranAs };
    sendFrame(s.socket, FRAME.result, JSON.stringify(reply));
  } catch (e) {
    // The record of a build that did not finish: its error, as the run's end event carries one.
    await end(isGoboxError(e) ? e.exitCode : 125, `error: ${errorMessage(e)}`.slice(0, 300));
    throw e;
  }
}
