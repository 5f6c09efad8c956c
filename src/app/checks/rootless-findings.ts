import type { Engine, PodmanHostInfo } from '../../engine/index.js';
import { slowStorageDriver } from '../../engine/podman-info.js';
import type { Finding } from './doctor.js';
import { probedLimits, type LimitsVerdict } from './limits-enforcement.js';

/** Doctor: what a rootless Podman needs (subordinate ids, a fast storage driver), with the fix. */
export function rootlessFindings(p: PodmanHostInfo | undefined, user: string): Finding[] {
  if (!p) return [];
  if (!p.rootless) return [{ check: 'rootless', status: 'ok', detail: 'rootful Podman', fix: '' }];
  const out: Finding[] = [];
  out.push(p.subordinateUids > 0
    ? { check: 'rootless', status: 'ok', detail: `rootless Podman with ${p.subordinateUids} subordinate uids; files stay yours (keep-id)`, fix: '' }
    : { check: 'rootless', status: 'fail', detail: `no subordinate uids for ${user}: sandboxes cannot map their users`, fix: `sudo usermod --add-subuids 200000-265535 --add-subgids 200000-265535 ${user} && podman system migrate` });
  out.push(slowStorageDriver(p.storageDriver)
    ? {
        check: 'storage',
        status: 'warn',
        detail: `storage driver ${p.storageDriver} in ${p.storageRoot}: it copies the image for every sandbox (seconds per run)`,
        fix: 'printf \'[storage]\\ndriver = "overlay"\\n\' > ~/.config/containers/storage.conf && podman system reset (this deletes your Podman images and volumes; gobox loads its image again)',
      }
    : { check: 'storage', status: 'ok', detail: `storage driver ${p.storageDriver} in ${p.storageRoot}`, fix: '' });
  return out;
}

/** Doctor: which limits really hold, from a probe container (cached like a run's). */
export async function probedLimitsFinding(engine: Engine, image: string, runtime: string | undefined, enforcement: string): Promise<{ finding: Finding; verdict: LimitsVerdict }> {
  const verdict = await probedLimits(engine, image, runtime);
  const held = (['memory', 'cpu', 'pids'] as const).filter((n) => verdict.held[n]);
  const missing = (['memory', 'cpu', 'pids'] as const).filter((n) => !verdict.held[n]);
  if (missing.length === 0) return { verdict, finding: { check: 'limits', status: 'ok', detail: `memory, cpu and pids limits hold on ${verdict.engine} (probed, ${verdict.source})`, fix: '' } };
  const then = enforcement === 'required' ? 'runs are refused (limits.enforcement: required)' : 'runs go ahead with a warning (limits.enforcement: best-effort)';
  return {
    verdict,
    finding: {
      check: 'limits',
      status: 'warn',
      detail: `NOT enforced on ${verdict.engine}: ${missing.join(', ')}${held.length ? `; enforced: ${held.join(', ')}` : ''} (${verdict.reason}); ${then}`,
      fix: verdict.fix,
    },
  };
}
