import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { collect, type GoboxResult } from './gobox.js';

const SSHD = '/usr/sbin/sshd';

export interface PrivateSshd {
  port: number;
  /** `ssh -p PORT user@127.0.0.1 COMMAND...` with the test's own key, as a script would run it. */
  ssh(user: string, command: string[]): Promise<GoboxResult>;
  /** What sshd logged (-e), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * A private sshd for one test file: Debian's openssh-server binary with a config, host key,
 * client key and pid file of its own in a temp dir, listening on a free loopback port, letting
 * in only the named users by key. The system sshd's config and port 22 are never touched.
 * `setEnv` is sshd's SetEnv: the test harness's environment (state dir), never the PATH under test.
 */
export async function startPrivateSshd(users: string[], setEnv: Record<string, string>): Promise<PrivateSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install openssh-server (scripts/setup-host.sh does)`);
  const dir = mkdtempSync('/tmp/gobox-it-sshd-');
  chmodSync(dir, 0o755);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
  const keys = path.join(dir, 'authorized_keys');
  mkdirSync(keys, { mode: 0o755 });
  const pub = readFileSync(path.join(dir, 'client_key.pub'), 'utf8');
  for (const u of users) writeFileSync(path.join(keys, u), pub, { mode: 0o644 });
  const port = await freePort();
  writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(path.join(dir, 'host_key.pub'), 'utf8')}`);
  writeFileSync(path.join(dir, 'sshd_config'), [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host_key')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${keys}/%u`,
    `AllowUsers ${users.join(' ')}`,
    'PubkeyAuthentication yes',
    // Its keys live under /tmp, which StrictModes refuses (world-writable, if sticky); the files themselves are root's, 0644.
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // As Debian's: PAM session (pam_env reads /etc/environment), so a locked password does not block a key.
    'UsePAM yes',
    'PermitRootLogin no',
    'X11Forwarding no',
    'PrintMotd no',
    `SetEnv ${Object.entries(setEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    '',
  ].join('\n'));
  // The privilege separation dir is compiled in; Debian's unit makes it at start.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  let log = '';
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await waitListening(port, () => child.exitCode !== null, () => log);
  const base = ['-F', 'none', '-p', String(port), '-i', path.join(dir, 'client_key'), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
    '-o', `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'LogLevel=ERROR'];
  return {
    port,
    ssh: (user, command) => collect(spawn('ssh', [...base, `${user}@127.0.0.1`, ...command], { stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs: 170_000 }),
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number, dead: () => boolean, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (dead()) throw new Error(`the private sshd exited: ${log()}`);
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the private sshd did not listen on 127.0.0.1:${port} within 10 s: ${log()}`);
}
