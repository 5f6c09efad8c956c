import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type net from 'node:net';
import { errorMessage, GoboxError } from '../common/errors.js';
import { processAlive } from '../common/identity.js';
import { logger } from '../common/logger.js';
import { loadHostConfig } from '../config/host-config.js';
import { connectHostEngine } from '../app/run/host-engine.js';
import { AuditLog } from './audit.js';
import { handleSession, type DaemonState } from './handler.js';
import { auditLogPath, daemonPidFile, runDir } from './paths.js';
import { reconcile, sweepHelpers } from './reaper.js';
import { parseRequest } from '../wire/daemon-request.js';
import { acceptConnection, killNow } from '../wire/session.js';
import { listenForUser, prepareRunDir } from './sockets.js';
import { servedUsers, servesUser } from './served-users.js';
import { storeVerifier } from './store-verify.js';
import { watchToolchainsForMounts } from '../toolchain/mount-watch.js';
import { sweepStages } from './jail-site.js';
import { stateDir } from '../common/paths.js';
import { watchKnocks } from './knock.js';
import { UserDirectory } from './user-directory.js';
import type { HostUser } from './users.js';

const log = logger('serve');
const RECONCILE_MS = 30_000;

export interface Daemon {
  state: DaemonState;
  /** Re-reads who is served (new users get sockets, removed ones lose theirs). */
  refresh(): Promise<void>;
  /** The full verify of every toolchain (store-verify.ts); resolves when it ends. */
  verifyToolchains(): Promise<void>;
  /** Stops every running sandbox, closes the sockets and resolves when the sandboxes are gone. */
  stop(): Promise<void>;
}

async function claimPidFile(env: NodeJS.ProcessEnv): Promise<void> {
  const file = daemonPidFile(env);
  const old = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(old) && old > 0 && old !== process.pid && processAlive(old, undefined)) {
    throw new GoboxError(`another gobox serve is running (pid ${old}) for ${runDir(env)}`, { hint: 'stop it first: systemctl stop gobox' });
  }
  await writeFile(file, `${process.pid}\n`, { mode: 0o644 });
}

export async function startDaemon(env: NodeJS.ProcessEnv = process.env): Promise<Daemon> {
  if (process.getuid?.() !== 0) throw new GoboxError('gobox serve must run as root (it makes one socket per user)', { hint: 'start it with: systemctl start gobox' });
  await loadHostConfig(env); // a broken policy stops the start, with the file and field named
  await prepareRunDir(env);
  await claimPidFile(env);
  watchToolchainsForMounts(); // long-lived: a toolchain proven once is watched, not re-stat'ed per run
  const audit = new AuditLog(auditLogPath(env));
  await audit.open();
  const state: DaemonState = { env, key: runDir(env), audit, active: new Map(), shuttingDown: false, users: new UserDirectory() };
  const servers = new Map<number, net.Server>();

  const sweep = async () => {
    try {
      // The engine the host config names (a cluster's pods too), as the sessions' runs use it.
      const engine = await connectHostEngine(env);
      const n = await reconcile(engine, state.key, (c) => state.active.has(c), audit);
      if (n) log.info(`removed ${n} sandbox(es) left by gone clients or an earlier daemon`);
      const h = await sweepHelpers(engine);
      if (h) log.info(`removed ${h} helper container(s) whose gobox process is gone`);
    } catch (e) {
      log.warn(`cannot reconcile sandboxes now: ${errorMessage(e)}`);
    }
  };

  const listen = async (user: HostUser): Promise<void> => {
    if (servers.has(user.uid)) return;
    const srv = await listenForUser(user, env, (sock) => {
      const id = randomBytes(6).toString('hex');
      acceptConnection(sock, user, id, async (s) => {
        state.active.set(id, s);
        await handleSession(s, state);
      }, () => state.active.delete(id), { parse: parseRequest, wantsStdin: (r) => r.op === 'run' && r.stdin });
    }).catch((e: unknown) => log.warn(`no socket for ${user.name} (${user.uid}): ${errorMessage(e)}`));
    if (srv) servers.set(user.uid, srv);
  };

  /** Users served because they asked (knock.ts), not because the enumeration listed them. */
  const knocked = new Map<number, HostUser>();
  const onKnock = async (user: HostUser): Promise<void> => {
    if (servers.has(user.uid)) return;
    const serve = (await loadHostConfig(env)).config.serve;
    if (!(await servesUser(serve, user, await state.users.current()))) return;
    knocked.set(user.uid, user);
    await listen(user);
    log.info(`serving ${user.name} (${user.uid}), who asked for a socket`);
  };

  const refresh = async () => {
    const serve = (await loadHostConfig(env)).config.serve;
    let users: HostUser[];
    try {
      const host = await state.users.current();
      users = await servedUsers(serve, host);
      for (const u of knocked.values()) {
        if (users.some((x) => x.uid === u.uid)) continue;
        if (await servesUser(serve, u, host)) users.push(u);
        else knocked.delete(u.uid);
      }
    } catch (e) {
      // Before the first good answer there is nothing to keep: the start fails and systemd retries.
      if (servers.size === 0) throw e;
      log.warn(`cannot tell who is served now (${errorMessage(e)}); keeping the ${servers.size} socket(s) there are`);
      return;
    }
    const wanted = new Set(users.map((u) => u.uid));
    for (const [uid, srv] of servers) if (!wanted.has(uid)) (srv.close(), servers.delete(uid));
    for (const user of users) await listen(user);
    log.info(`serving ${servers.size} user(s) under ${runDir(env)}/u`);
  };

  await sweep();
  const staleStages = await sweepStages(stateDir(env, 0));
  if (staleStages.length > 0) log.info(`removed ${staleStages.length} jail stage(s) a previous daemon left: ${staleStages.join(', ')}`);
  await refresh();
  const verifyToolchains = storeVerifier(env);
  void verifyToolchains();
  const timer = setInterval(() => void sweep(), RECONCILE_MS);
  timer.unref();
  const knocks = watchKnocks(env, onKnock);

  return {
    state,
    refresh,
    verifyToolchains,
    async stop() {
      state.shuttingDown = true;
      clearInterval(timer);
      knocks.close();
      for (const srv of servers.values()) srv.close();
      for (const s of state.active.values()) (s.disconnected = true, killNow(s.control));
      const end = Date.now() + 15_000;
      while (state.active.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      for (const s of state.active.values()) s.socket.destroy();
    },
  };
}
