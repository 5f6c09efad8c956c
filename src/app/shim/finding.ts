import type { Finding } from '../checks/doctor.js';
import { currentGo, installedShims } from './status.js';

/** gobox doctor's line on the shims: cheap (records and this PATH only); `gobox shim status` probes every entry path. */
export function shimFinding(env: NodeJS.ProcessEnv): Finding {
  const installed = installedShims(env);
  const current = currentGo(env);
  if (!installed.length) {
    return { check: 'shim', status: 'ok', detail: `not installed: a plain go runs ${current.go ? `${current.go}, unsandboxed` : 'nothing (no go on PATH)'}`, fix: current.reach === 'shim' ? '' : 'to sandbox a plain go: gobox shim install' };
  }
  const broken = installed.flatMap((i) => i.files.filter((f) => f.state !== 'ok').map((f) => `${f.path} ${f.state}`));
  if (broken.length) return { check: 'shim', status: 'warn', detail: `shims damaged: ${broken.join(', ')}`, fix: `reinstall: gobox shim install${installed[0]!.scope === 'system' ? ' --system' : ''}` };
  const where = installed.map((i) => `${i.scope} shims in ${i.dir}`).join('; ');
  if (current.reach !== 'shim') {
    return { check: 'shim', status: 'warn', detail: `${where}, but go on this PATH is ${current.go ?? 'not found'}`, fix: 'gobox shim status says which entry paths reach the shim and how to fix the others' };
  }
  return { check: 'shim', status: 'ok', detail: `${where}; go on this PATH is the shim (${current.go}); gobox shim status checks login, ssh, systemd and IDE paths`, fix: '' };
}
