// Everything the measurements need before the first timed run: a toolchain store, the base
// image, an unprivileged user who owns a scratch Go module, and the facts gobox itself reports
// about that module (profile limits, sandbox env), so the hand-written docker run can copy them.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError, run } from './proc.mjs';

export const CLI = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
/** The `gobox` command as installed (package.json bin): a plain `gobox run` goes through its client, not Node. */
export const LAUNCHER = fileURLToPath(new URL('../../dist/cli/gobox', import.meta.url));

/** The bench's user; gobox-it-a (the integration tests' user) only if we cannot create our own. */
// A bench of its own (bench/class.mjs) may name another user, so two benches never share a cache volume.
const benchUserName = () => process.env.GOBOX_BENCH_USER || 'gobox-bench';
const FALLBACK_USER = 'gobox-it-a';

export function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

/** Environment for gobox: the caller's, minus what would change which user or profile it picks. */
export function goboxEnv(stateDir) {
  const env = { ...process.env, GOBOX_STATE_DIR: stateDir };
  // As root under sudo, gobox would run the sandbox as the sudo user; the bench wants the owner.
  delete env.SUDO_UID;
  delete env.SUDO_GID;
  delete env.GOBOX_PROFILE;
  return env;
}

export function gobox(args, opts) {
  return run([process.execPath, CLI, ...args], opts);
}

function lookupUser(name) {
  const r = run(['id', '-u', name], { allowFail: true });
  if (r.status !== 0) return undefined;
  const gid = Number(run(['id', '-g', name]).stdout.trim());
  return { name, uid: Number(r.stdout.trim()), gid };
}

/** A non-root user (and group) the sandbox runs as, because gobox never runs one as root. */
function benchUser() {
  let u = lookupUser(benchUserName());
  if (!u) {
    const r = run(['useradd', '--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', benchUserName()], { allowFail: true });
    if (r.status === 0) {
      log(`created system user ${benchUserName()}`);
      u = lookupUser(benchUserName());
    } else {
      u = lookupUser(FALLBACK_USER);
      if (u) log(`useradd ${benchUserName()} failed (${r.stderr.trim()}); using ${FALLBACK_USER}`);
    }
  }
  if (!u || u.uid === 0 || u.gid === 0) throw new BenchError(`no unprivileged user to run the sandbox as (tried ${benchUserName()}, ${FALLBACK_USER})`);
  return u;
}

function hostGoroot() {
  const r = run(['go', 'env', 'GOROOT'], { allowFail: true });
  if (r.status !== 0 || !r.stdout.trim()) throw new BenchError('GOBOX_STATE_DIR is not set and there is no host `go` to import into a temporary store');
  return r.stdout.trim();
}

/**
 * The toolchain store: the caller's when GOBOX_STATE_DIR is set, else a temporary one with the
 * host's Go imported. Returns { stateDir, temporary }.
 */
function toolchainStore() {
  if (process.env.GOBOX_STATE_DIR) return { stateDir: path.resolve(process.env.GOBOX_STATE_DIR), temporary: false };
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'gobox-bench-state-'));
  // Traversable like a real store: native runs execute the stored go as the bench user.
  chmodSync(stateDir, 0o755);
  const goroot = hostGoroot();
  log(`importing ${goroot} into a temporary store ${stateDir}`);
  gobox(['toolchain', 'import', goroot], { env: goboxEnv(stateDir) });
  return { stateDir, temporary: true };
}

/** The version the bench uses: the host's `go` when the store has it, else the newest stored. */
function chooseToolchain(env) {
  const list = JSON.parse(gobox(['toolchain', 'list', '--json'], { env }).stdout);
  if (!list.length) throw new BenchError('the toolchain store is empty; import one: gobox toolchain import $(go env GOROOT)');
  const host = run(['go', 'env', 'GOVERSION'], { allowFail: true }).stdout.trim();
  return list.find((t) => t.name === host) ?? list[0];
}

/** Mount points at or below dir, from /proc/self/mounts (octal escapes such as \\040 decoded). */
function mountsUnder(dir) {
  const decode = (p) => p.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => decode(l.split(' ')[1] ?? ''))
    .filter((m) => m === dir || m.startsWith(dir + '/'));
}

/**
 * The bench's gobox runs start a warm agent (with this run's state dir); stop it so it removes
 * its sandbox started ahead before the store and project go away.
 */
function stopAgents(env) {
  const pids = run(['pgrep', '-f', 'bin.js agent'], { allowFail: true }).stdout.split('\n').filter(Boolean).map(Number);
  const ours = pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`GOBOX_STATE_DIR=${env.GOBOX_STATE_DIR}`);
    } catch {
      return false;
    }
  });
  for (const pid of ours) process.kill(pid, 'SIGTERM');
  const end = Date.now() + 10_000;
  while (ours.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < end) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
}

export function setup() {
  if (process.getuid?.() !== 0) throw new BenchError('run the bench as root: it creates a user, chowns a project and talks to the Docker socket');
  const store = toolchainStore();
  const env = goboxEnv(store.stateDir);
  const user = benchUser();
  const toolchain = chooseToolchain(env);

  // The work dir is root's and world-traversable; what the bench user writes lives below it in
  // dirs it owns: the Go module (the sandbox's project) and the native runs' home and caches.
  const work = mkdtempSync(path.join(os.tmpdir(), 'gobox-bench-'));
  chmodSync(work, 0o755);
  const project = path.join(work, 'mod');
  const native = path.join(work, 'native');
  for (const dir of [project, native, path.join(native, 'home')]) {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, user.uid, user.gid);
  }
  // The go line picks the toolchain in gobox (newest installed ≥ it), so both sides use the same Go.
  writeFileSync(path.join(project, 'go.mod'), `module example.com/gobox-bench\n\ngo ${toolchain.version}\n`);
  chownSync(path.join(project, 'go.mod'), user.uid, user.gid);

  // What gobox will do here, in its own words; the hand-written docker run copies these.
  const described = JSON.parse(gobox(['env', '--json'], { cwd: project, env }).stdout);
  if (described.user !== `${user.uid}:${user.gid}`) throw new BenchError(`gobox would run as ${described.user}, expected ${user.uid}:${user.gid} (the project's owner)`);
  if (described.toolchain.version !== toolchain.name) throw new BenchError(`gobox picked ${described.toolchain.version}, expected ${toolchain.name}`);
  const profile = JSON.parse(gobox(['profile', 'show', described.profile.name, '--json'], { env }).stdout);

  const image = profile.profile.image;
  if (run(['docker', 'image', 'inspect', image], { allowFail: true }).status !== 0) {
    log(`image ${image} is missing; building it (gobox image build --offline, takes a few minutes)`);
    gobox(['image', 'build', '--offline'], { env });
  }

  // Identity files for the hand-written run, like the ones gobox mounts over /etc/passwd and /etc/group.
  const idDir = path.join(work, 'id');
  mkdirSync(idDir);
  writeFileSync(path.join(idDir, 'passwd'), `root:x:0:0:root:/root:/usr/sbin/nologin\ngobox:x:${user.uid}:${user.gid}:gobox sandbox user:/home/gobox:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`, { mode: 0o644 });
  writeFileSync(path.join(idDir, 'group'), `root:x:0:\ngobox:x:${user.gid}:\nnogroup:x:65534:\n`, { mode: 0o644 });

  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    stopAgents(env);
    rmSync(work, { recursive: true, force: true });
    if (!store.temporary) return;
    // gobox mounts the bench user's cache image inside its store: gobox itself deletes that
    // cache (volume, mount and image), so the store goes whole. Whatever is still mounted after
    // that is left with the store: a recursive rm would empty it and then fail on the mount point.
    if (mountsUnder(store.stateDir).length) gobox(['cache', 'clear', '--reset', '--user', String(user.uid)], { env, allowFail: true });
    const mounted = mountsUnder(store.stateDir);
    if (mounted.length) log(`leaving the temporary store ${store.stateDir}: gobox has mounted ${mounted.join(', ')} in it`);
    else rmSync(store.stateDir, { recursive: true, force: true });
  };
  return { store, env, user, toolchain, work, project, native, idDir, described, profile, image, cleanup };
}
