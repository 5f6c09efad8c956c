import type { DoctorReport, Finding } from '../app/checks/doctor.js';
import { errorMessage } from '../common/errors.js';
import { socketListening } from '../common/socket-probe.js';
import { envViaDaemon } from './daemon-client.js';

/**
 * `gobox doctor` for a user the daemon serves: their runs go through its socket, so that is
 * what is checked, with a real request (what a run from here would get). The engine, image and
 * limits are the daemon's; its administrator checks them with `sudo gobox doctor`.
 */
export async function daemonDoctor(socket: string, cwd: string, env: NodeJS.ProcessEnv): Promise<DoctorReport> {
  const mode = `daemon (socket ${socket})`;
  const why: Finding = {
    check: 'mode', status: 'ok', fix: '',
    detail: 'a gobox daemon serves this user (its directory is under the run dir), so runs go through it; GOBOX_DIRECT=1 forces direct mode where you may reach an engine',
  };
  if (!(await socketListening(socket))) {
    return { mode, findings: [why, { check: 'daemon', status: 'fail', detail: `nothing answers on ${socket}: the daemon is not running`, fix: 'ask your administrator (root) to start it: systemctl start gobox' }] };
  }
  try {
    const r = await envViaDaemon(socket, { cwd, profile: undefined, go: undefined, env });
    const m = r.meta;
    return { mode, findings: [why, { check: 'daemon', status: 'ok', fix: '', detail: `answers on ${socket}: a run from ${cwd} gets profile ${m.profile.name}, go ${m.toolchain.version}, cache ${m.cacheVolume}, network ${m.network}` }] };
  } catch (e) {
    return { mode, findings: [why, { check: 'daemon', status: 'warn', detail: `answers on ${socket}, but refused a run from ${cwd}: ${errorMessage(e)}`, fix: 'run gobox doctor from a project directory of your own' }] };
  }
}
