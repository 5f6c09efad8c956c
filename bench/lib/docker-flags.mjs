// The hand-written `docker run` that gobox is measured against. It is written out flag by flag
// from what gobox reports (`gobox profile show`, `gobox env`), mirroring src/sandbox/spec.ts and
// src/engine/docker-options.ts, so the baseline is "what an admin would type". verifyFlags()
// then checks it against a live gobox container, so a drift between the two is caught.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BenchError, run } from './proc.mjs';
import { CLI } from './setup.mjs';

/** Sizes as gobox's profiles write them: binary units, "4g" is 4 GiB. */
export function bytes(text) {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const units = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };
  const unit = m && units[m[2].toLowerCase()];
  if (!unit) throw new BenchError(`cannot read size ${JSON.stringify(text)}`);
  return Math.floor(Number(m[1]) * unit);
}

/**
 * The seccomp profile gobox gives a Docker sandbox (the default allowlist without ptrace), as
 * a file an admin would pass to --security-opt; none when the profile allows tracing.
 */
async function seccompFlags(s) {
  if (s.profile.profile.ptrace) return [];
  const { seccompWithoutTracing } = await import('../../dist/engine/seccomp.js');
  const json = seccompWithoutTracing();
  if (!json) return [];
  const file = path.join(s.idDir, 'seccomp.json');
  writeFileSync(file, json, { mode: 0o644 });
  return ['--security-opt', `seccomp=${file}`];
}

/** `docker run --rm` flags equivalent to the sandbox gobox would start for setup s. */
export async function handWrittenFlags(s) {
  const L = s.profile.profile.limits;
  const { uid, gid } = s.user;
  const memory = bytes(L.memory);
  const fsize = bytes(L.fsize);
  // Open mode: the user's own network (app/network/user-network.ts), made by gobox's first run,
  // which verifyFlags makes before any hand-written run is timed.
  const network = { open: `gobox-net-${uid}`, none: 'none' }[s.described.network];
  if (!network) throw new BenchError(`network mode ${s.described.network} has no hand-written equivalent here`);
  const env = Object.entries(s.described.env)
    .filter(([k]) => k !== 'GOVERSION') // reported by `gobox env`, not set in the container
    .flatMap(([k, v]) => ['-e', `${k}=${v.value}`]);
  const bind = (src, dst, ro) => ['--mount', `type=bind,src=${src},dst=${dst}${ro ? ',readonly' : ''},bind-propagation=rprivate`];
  return [
    '--rm', '-i', // gobox always attaches stdin (here: /dev/null)
    '--init', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
    ...(await seccompFlags(s)),
    '--user', `${uid}:${gid}`,
    '--memory', String(memory), '--memory-swap', String(memory),
    '--cpus', String(L.cpus), '--pids-limit', String(L.pids),
    '--ulimit', `nofile=${L.nofile}:${L.nofile}`, '--ulimit', `fsize=${fsize}:${fsize}`, '--ulimit', 'core=0:0',
    '--tmpfs', `/tmp:rw,exec,nosuid,nodev,size=${bytes(L.tmp)},mode=1777`,
    '--tmpfs', `/home/gobox:rw,exec,nosuid,nodev,size=${bytes(L.home)},mode=0700,uid=${uid},gid=${gid}`,
    ...bind(s.described.toolchain.path, '/usr/local/go', true),
    ...bind(s.project, s.project, s.profile.profile.jail),
    '--mount', `type=volume,src=${s.described.cacheVolume},dst=/gobox/cache`,
    ...bind(`${s.idDir}/passwd`, '/etc/passwd', true),
    ...bind(`${s.idDir}/group`, '/etc/group', true),
    '--network', network,
    '--log-driver', 'json-file', '--log-opt', 'max-size=1048576', '--log-opt', 'max-file=1',
    '-w', s.project,
    ...env,
  ];
}

/** The fields of `docker inspect` that the flags decide, normalized so equal means equal. */
function essentials(c, idDir) {
  const H = c.HostConfig;
  const list = (x) => (x && x.length ? x : []);
  return {
    User: c.Config.User,
    Env: [...c.Config.Env].sort(),
    WorkingDir: c.Config.WorkingDir,
    Image: c.Config.Image,
    Entrypoint: list(c.Config.Entrypoint),
    OpenStdin: c.Config.OpenStdin,
    Tty: c.Config.Tty,
    Init: H.Init,
    ReadonlyRootfs: H.ReadonlyRootfs,
    CapDrop: list(H.CapDrop),
    CapAdd: list(H.CapAdd),
    SecurityOpt: list(H.SecurityOpt),
    Privileged: H.Privileged,
    Devices: list(H.Devices),
    Memory: H.Memory,
    MemorySwap: H.MemorySwap,
    NanoCpus: H.NanoCpus,
    PidsLimit: H.PidsLimit,
    Ulimits: list(H.Ulimits).map((u) => `${u.Name}=${u.Soft}:${u.Hard}`).sort(),
    Tmpfs: H.Tmpfs ?? {},
    Mounts: list(H.Mounts)
      .map((m) => ({
        Type: m.Type,
        // Identity files live in a per-run temp dir (gobox's) or the bench's dir: same content.
        Source: /\/(passwd|group)$/.test(m.Target) ? `<identity>/${m.Target.split('/').pop()}` : m.Source,
        Target: m.Target,
        ReadOnly: Boolean(m.ReadOnly),
        Propagation: m.BindOptions?.Propagation ?? '',
      }))
      .sort((a, b) => a.Target.localeCompare(b.Target)),
    NetworkMode: H.NetworkMode,
    LogConfig: H.LogConfig,
    Runtime: H.Runtime,
    ShmSize: H.ShmSize,
  };
}

function inspect(id) {
  return JSON.parse(run(['docker', 'inspect', id]).stdout)[0];
}

/**
 * Starts `gobox run sleep 5`, inspects its container, creates (not starts) a container from the
 * hand-written flags, and lists every field that differs. AutoRemove, name, labels and command
 * are left out on purpose: gobox removes its container itself and labels it for its sweeper.
 */
export async function verifyFlags(s, flags) {
  const child = spawn(process.execPath, [CLI, 'run', 'sleep', '5'], { cwd: s.project, env: s.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let id = '';
  for (let i = 0; i < 100 && !id; i++) {
    await new Promise((r) => setTimeout(r, 50));
    // The sandbox itself: a first run as root may start a helper first (making the user's cache).
    id = run(['docker', 'ps', '-q', '--filter', `label=gobox.pid=${child.pid}`, '--filter', 'label=gobox.kind=sandbox']).stdout.trim();
  }
  if (!id) {
    child.kill();
    throw new BenchError(`could not find the container of \`gobox run sleep 5\` (pid ${child.pid}) to compare flags with\n${stderr}`);
  }
  const theirs = essentials(inspect(id), s.idDir);
  const created = run(['docker', 'create', ...flags.filter((f) => f !== '--rm'), s.image, 'sleep', '5']).stdout.trim();
  let ours;
  try {
    ours = essentials(inspect(created), s.idDir);
  } finally {
    run(['docker', 'rm', '-f', created], { allowFail: true });
  }
  const code = await exited;
  if (code !== 0) throw new BenchError(`gobox run sleep 5 exited ${code}\n${stderr}`);
  return Object.keys(theirs)
    .filter((k) => JSON.stringify(theirs[k]) !== JSON.stringify(ours[k]))
    .map((k) => describeDiff(k, theirs[k], ours[k]));
}

/** A long value (a seccomp profile is kilobytes of JSON) shown by its start and its size. */
function short(v) {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length <= 80 ? text : `${text.slice(0, 40)}… (${text.length} bytes)`;
}

/**
 * One line per differing field: for lists only the items one side has and the other lacks,
 * each shortened, so a warning names the difference instead of printing both whole values.
 */
export function describeDiff(key, theirs, ours) {
  if (Array.isArray(theirs) && Array.isArray(ours)) {
    const has = (list, x) => list.some((y) => JSON.stringify(y) === JSON.stringify(x));
    const onlyGobox = theirs.filter((x) => !has(ours, x)).map(short);
    const onlyHand = ours.filter((x) => !has(theirs, x)).map(short);
    const parts = [];
    if (onlyGobox.length) parts.push(`only gobox has ${onlyGobox.join(', ')}`);
    if (onlyHand.length) parts.push(`only the hand-written run has ${onlyHand.join(', ')}`);
    if (!parts.length) parts.push('same items in another order');
    return `${key}: ${parts.join('; ')}`;
  }
  return `${key}: gobox ${short(theirs)} vs hand-written ${short(ours)}`;
}
