import { userInfo } from 'node:os';
import { errorMessage, GoboxError } from '../../common/errors.js';
import { LABEL } from '../../common/labels.js';
import { loadHostConfig } from '../../config/host-config.js';
import { loadProfile } from '../../config/profiles.js';
import { connectEngine, type Engine, type EngineChoice, type EngineInfo } from '../../engine/index.js';
import { engineChoice } from '../run/host-engine.js';
import { clusterFindings } from './cluster-findings.js';
import { ToolchainStores } from '../../toolchain/stores.js';
import { cacheVolumeName } from '../cache/volume.js';
import { recipeHash } from '../image/recipe.js';
import { runcVerdict } from './runc-version.js';
import { seccompWithoutTracing } from '../../engine/seccomp.js';
import { networkFindings } from './network-findings.js';
import { shimFinding } from '../shim/index.js';
import { storeIntegrityFinding } from './store-integrity.js';
import { recordedWarningFindings } from './recorded-warnings.js';
import type { Profile } from '../../config/schema.js';
import { probedLimitsFinding, rootlessFindings } from './rootless-findings.js';
import { runtimeFacts, runtimeFinding } from './runtime-support.js';

export type Status = 'ok' | 'warn' | 'fail';
export interface Finding {
  check: string;
  status: Status;
  detail: string;
  /** What to do about it; empty when nothing needs doing. */
  fix: string;
}

export interface DoctorReport {
  mode: string;
  engine?: { endpoint: string; via: string; kind: string; version: string; apiVersion: string; rootless: boolean; cgroupVersion: string; runtimes: string[]; runc?: string; limits: EngineInfo['limits']; runtime?: string; storageDriver?: string; limitsSource?: string };
  findings: Finding[];
}

const ok = (check: string, detail: string): Finding => ({ check, status: 'ok', detail, fix: '' });

function limitFindings(info: EngineInfo): Finding[] {
  const missing = (['memory', 'cpu', 'pids'] as const).filter((l) => !info.limits[l]);
  // Not probed (no image yet): only the engine's claim, which rootless Podman makes even when it drops limits.
  if (missing.length === 0) return [{ check: 'limits', status: info.rootless ? 'warn' : 'ok', detail: `the engine claims memory, cpu and pids limits (cgroup v${info.cgroupVersion}${info.rootless ? ', rootless' : ''}); not probed yet`, fix: info.rootless ? 'run gobox doctor again once the image is there: the probe shows whether they hold' : '' }];
  return [{
    check: 'limits',
    status: 'warn',
    detail: `the engine does not enforce: ${missing.join(', ')} (cgroup v${info.cgroupVersion}${info.rootless ? ', rootless' : ''})`,
    fix: info.rootless ? 'use cgroup v2 with systemd delegation for rootless engines (Delegate=yes for user@.service)' : 'enable the missing cgroup controllers in the kernel',
  }];
}

async function engineFindings(engine: Engine, profileImage: string, uid: number, profile?: Profile): Promise<{ info: EngineInfo; findings: Finding[]; extra: Partial<NonNullable<DoctorReport['engine']>> }> {
  const raw = await engine.info();
  // Podman's compatible /info neither says rootless nor names runc; its own /libpod/info does.
  const podman = await engine.podmanInfo().catch(() => undefined);
  const info: EngineInfo = { ...raw, rootless: podman?.rootless ?? raw.rootless, storageDriver: podman?.storageDriver ?? raw.storageDriver, ...(raw.runcVersion ?? podman?.runcVersion ? { runcVersion: raw.runcVersion ?? podman?.runcVersion } : {}) };
  const runc = runcVerdict(info.runcVersion);
  const facts = await runtimeFacts(engine, profile?.runtime, profile?.jail ? 'none' : profile?.network ?? 'open', profile?.limits.pids ?? 1024);
  const findings: Finding[] = [
    ok('engine', `${info.kind} ${info.version} (API ${info.apiVersion}) at ${engine.endpoint.url}, found via ${engine.endpoint.via}`),
    runc.ok ? ok('runc', runc.detail) : { check: 'runc', status: 'warn', detail: runc.detail, fix: 'upgrade runc to 1.1.12 or later (apt-get install --only-upgrade runc)' },
    ...(info.kind === 'docker' ? [tracingFinding()] : []),
    runtimeFinding(facts),
    ...rootlessFindings(podman, currentUserName()),
  ];
  const extra: Partial<NonNullable<DoctorReport['engine']>> = { runtime: facts.runtime ?? facts.defaultRuntime, storageDriver: info.storageDriver };
  const labels = await engine.imageLabels(profileImage);
  // Limits are probed with a real container when the image is there; otherwise only the engine's claim is known.
  if (labels && !findings.some((f) => f.check === 'runtime' && f.status === 'fail')) {
    try {
      const { finding, verdict } = await probedLimitsFinding(engine, profileImage, profile?.runtime, profile?.limits.enforcement ?? 'best-effort');
      findings.push(finding);
      Object.assign(extra, { limits: verdict.held, limitsSource: `probe (${verdict.source})` });
    } catch (e) {
      findings.push({ check: 'limits', status: 'warn', detail: `cannot probe limits: ${errorMessage(e)}`, fix: 'check the engine and runtime findings above' });
    }
  } else findings.push(...limitFindings(info));
  const want = await recipeHash();
  if (!labels) findings.push({ check: 'image', status: 'warn', detail: `${profileImage} is missing; the first run builds it`, fix: 'build it now: sudo gobox image build --offline' });
  else if (labels[LABEL.recipe] && labels[LABEL.recipe] !== want) findings.push({ check: 'image', status: 'warn', detail: `${profileImage} was built from an older recipe`, fix: 'rebuild: sudo gobox image build --offline' });
  else findings.push(ok('image', `${profileImage} present`));
  const vol = await engine.getVolume(cacheVolumeName(uid));
  findings.push(vol ? ok('cache', `volume ${vol.name} exists (${vol.options.device ? `hard limit at ${vol.options.device}` : 'engine-managed'})`) : ok('cache', `volume ${cacheVolumeName(uid)} will be made on first run`));
  return { info, findings, extra };
}

function currentUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
}

/** What works, what does not, and the fix for each. Never throws: a failing check is a finding. */
export async function runDoctor(env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const uid = process.getuid?.() ?? 0;
  let image = 'gobox-base:bookworm';
  let profileUsed: Profile | undefined;
  let choice: EngineChoice | undefined;
  try {
    const host = await loadHostConfig(env);
    choice = engineChoice(host.config);
    findings.push(ok('host config', host.file ? `loaded ${host.file}` : 'no host config file; defaults apply'));
    const profile = await loadProfile(env.GOBOX_PROFILE ?? host.config.defaultProfile, env);
    image = profile.profile.image;
    profileUsed = profile.profile;
    findings.push(ok('profile', `${profile.name} from ${profile.file}`));
    findings.push(...(await networkFindings(host, profile.profile, profile.file, env)));
  } catch (e) {
    findings.push({ check: 'config', status: 'fail', detail: errorMessage(e), fix: 'fix the file named above; gobox profile validate FILE' });
  }
  const store = new ToolchainStores(env);
  const tcs = await store.list().catch(() => []);
  findings.push(tcs.length
    ? ok('toolchains', store.roots.map((root) => `${tcs.filter((t) => t.path.startsWith(root + '/')).map((t) => t.name).join(', ') || 'none'} in ${root}`).join('; '))
    : { check: 'toolchains', status: 'warn', detail: `no toolchain in ${store.roots.join(' or ')}`, fix: 'the first run imports the Go on PATH; or: gobox toolchain import DIR / gobox toolchain install VERSION' });
  // The full re-hash takes seconds: it runs while the engine is checked, its finding goes here.
  const integrityAt = findings.length;
  const integrity = tcs.length ? storeIntegrityFinding(store) : undefined;
  findings.push(shimFinding(env));
  // Failures that earlier runs told the user about (a cache check that failed, output cut short).
  findings.push(...(await recordedWarningFindings(env)));
  let engineReport: DoctorReport['engine'];
  try {
    const engine = await connectEngine(env, choice);
    if (engine.clusterReport) {
      const info = await engine.info();
      findings.push(...clusterFindings(await engine.clusterReport(store.roots[0] ?? '/var/lib/gobox/toolchains')));
      const mode = `direct (kubernetes via ${engine.endpoint.via})`;
      return { mode, engine: { endpoint: engine.endpoint.url, via: engine.endpoint.via, kind: info.kind, version: info.version, apiVersion: info.apiVersion, rootless: false, cgroupVersion: info.cgroupVersion, runtimes: [], limits: info.limits }, findings };
    }
    const { info, findings: ef, extra } = await engineFindings(engine, image, uid, profileUsed);
    findings.push(...ef);
    engineReport = { endpoint: engine.endpoint.url, via: engine.endpoint.via, kind: info.kind, version: info.version, apiVersion: info.apiVersion, rootless: info.rootless, cgroupVersion: info.cgroupVersion, runtimes: info.runtimes, ...(info.runcVersion ? { runc: info.runcVersion } : {}), limits: info.limits, ...extra };
  } catch (e) {
    // The error's own hint matches its finding (a rootless Podman that cannot start is not fixed by starting Docker).
    const fix = e instanceof GoboxError && e.hint ? e.hint : 'start Docker (systemctl start docker, or dockerd &), or point DOCKER_HOST at a Docker or Podman socket';
    findings.push({ check: 'engine', status: 'fail', detail: errorMessage(e), fix });
  }
  if (integrity) findings.splice(integrityAt, 0, await integrity);
  const mode = engineReport ? `direct (${engineReport.rootless ? 'rootless ' : ''}${engineReport.kind} via ${engineReport.via})` : 'none: no engine reachable';
  return { mode, ...(engineReport ? { engine: engineReport } : {}), findings };
}

/** Whether sandboxes get the seccomp profile without ptrace (src/engine/seccomp.ts). */
function tracingFinding(): Finding {
  let json: string | undefined;
  try {
    json = seccompWithoutTracing();
  } catch (e) {
    // A broken file stops every sandbox that needs it: a failure, with the fix from the error.
    return { check: 'seccomp', status: 'fail', detail: errorMessage(e), fix: e instanceof GoboxError ? e.hint ?? '' : '' };
  }
  return json
    ? ok('seccomp', 'sandboxes run with the default allowlist minus ptrace and process_vm_* (profiles may allow ptrace for debuggers)')
    : { check: 'seccomp', status: 'warn', detail: "no /usr/share/containers/seccomp.json: sandboxes get Docker's default profile, which lets a process trace others of the same sandbox", fix: 'apt-get install golang-github-containers-common' };
}
