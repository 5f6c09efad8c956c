import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOBOX, HELLO, makeModule, waitFor } from '../helpers/gobox.js';
import { daemonSandboxes, socketOf, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { ensureTestUser } from '../helpers/users.js';

const MiB = 1024 * 1024;
/**
 * What the daemon's RSS may grow by while a client floods it with 2 GiB of stdin. One connection
 * holds at most 4 MiB (src/wire/stdin-flow.ts); dropped frames are garbage that V8 collects
 * once about 64 MiB of it has piled up. The old daemon kept all of it.
 */
const RSS_BOUND = 128 * MiB;

/** A hostile client: the request line, then 1 MiB stdin frames, as fast as the socket takes them, up to TOTAL MiB. */
const FLOOD = `
const net = require('node:net');
const [sock, header, total] = process.argv.slice(1);
const frame = Buffer.alloc(5 + ${MiB}, 0x61); frame[0] = 1; frame.writeUInt32BE(${MiB}, 1);
let sent = 0;
const c = net.createConnection(sock);
const pump = () => { while (sent < Number(total)) { sent++; if (!c.write(frame)) return void c.once('drain', pump); } console.log('all sent'); };
c.on('connect', () => { c.write(header + '\\n'); pump(); });
c.on('error', () => {});
c.on('close', () => { console.log('closed after ' + sent); process.exit(0); });
setInterval(() => console.log('sent ' + sent), 200);
`;

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

const users = [
  { name: 'gobox-daemon-a', uid: 23610 },
  { name: 'gobox-daemon-b', uid: 23611 },
].map((u) => {
  ensureTestUser(u, { docker: false });
  return { ...u, gid: Number(execFileSync('id', ['-g', u.name], { encoding: 'utf8' }).trim()) };
});

describe('daemon: a stdin flood cannot exhaust the daemon', () => {
  let d: TestDaemon;
  const [a, b] = [users[0]!, users[1]!];
  let dirA: string;
  let dirB: string;
  const clients: ChildProcess[] = [];

  beforeAll(async () => {
    d = await startTestDaemon([a.name, b.name]);
    dirA = makeModule(HELLO, a);
    dirB = makeModule(HELLO, b);
    // The first run loads the daemon's run path; the baseline is taken after it.
    expect((await d.run(b.name, ['run', 'true'], { cwd: dirB })).code).toBe(0);
  });
  afterAll(async () => {
    for (const c of clients) c.kill('SIGKILL');
    await d?.stop();
  });

  /** Floods as user a; resolves with the daemon's peak RSS growth and what the client managed to send. */
  async function flood(request: object, whileFlooding: () => Promise<void>, floodMs: number): Promise<{ growth: number; sent: number; allSent: boolean; client: ChildProcess }> {
    // A try cut short (CI runs a failed test once more) must not leave its client flooding.
    for (const c of clients.splice(0)) c.kill('SIGKILL');
    await waitFor(() => daemonSandboxes(d).length === 0, 20_000);
    // Spawned with the user's ids (not through runuser), so killing it ends the connection.
    const client = spawn(process.execPath, ['-e', FLOOD, socketOf(d, a.uid), JSON.stringify(request), '2048'], { uid: a.uid, gid: a.gid, stdio: ['ignore', 'pipe', 'inherit'] });
    clients.push(client);
    let out = '';
    client.stdout!.on('data', (x: Buffer) => (out += x.toString()));
    let peak = 0;
    let sampler: NodeJS.Timeout | undefined;
    const aborted = () => peak > RSS_BOUND || out.includes('all sent') || out.includes('closed');
    try {
      // The other user's run allocates in the daemon for its own sake (its sandbox, the engine's
      // answers); the flood's share is measured from its end on, while the flood goes on: a daemon
      // that buffered stdin would keep growing, and the client would get far past the window.
      await whileFlooding();
      const base = rssOf(d.child.pid!);
      sampler = setInterval(() => (peak = Math.max(peak, rssOf(d.child.pid!) - base)), 100);
      const until = Date.now() + floodMs;
      while (Date.now() < until && !aborted()) await new Promise((r) => setTimeout(r, 200));
    } finally {
      if (sampler) clearInterval(sampler);
    }
    const sent = Number(/(?:sent|after) (\d+)\s*$/.exec(out.trim())?.[1] ?? 0);
    return { growth: peak, sent, allSent: out.includes('all sent'), client };
  }

  it('pauses a client that streams 2 GiB to a command that never reads stdin; another user runs meanwhile', async () => {
    const r = await flood({ v: 1, op: 'run', cwd: dirA, command: ['sleep', '60'], stdin: true }, async () => {
      const other = await d.run(b.name, ['run', 'echo', 'still served'], { cwd: dirB });
      expect(other.stdout).toBe('still served\n');
      expect(other.code).toBe(0);
    }, 20_000); // long enough for the old daemon to buffer far past the bound
    console.log(`stdin flood: daemon RSS grew by ${(r.growth / MiB).toFixed(1)} MiB at most, client sent ${r.sent} MiB`);
    expect(r.growth, `daemon RSS grew by ${Math.round(r.growth / MiB)} MiB`).toBeLessThan(RSS_BOUND);
    expect(r.allSent).toBe(false);
    expect(r.sent).toBeLessThan(64);
    // The paused connection still notices its client going away: the sandbox is stopped and removed.
    expect(daemonSandboxes(d)).toHaveLength(1);
    r.client.kill('SIGKILL');
    await waitFor(() => daemonSandboxes(d).length === 0, 20_000);
    expect(d.child.exitCode).toBeNull();
  });

  it('drops stdin frames of a request that said stdin: false, and keeps serving', async () => {
    const r = await flood({ v: 1, op: 'run', cwd: dirA, command: ['sleep', '60'], stdin: false }, async () => {
      const other = await d.run(b.name, ['run', 'echo', 'still served'], { cwd: dirB });
      expect(other.code).toBe(0);
    }, 90_000);
    console.log(`stdin flood: daemon RSS grew by ${(r.growth / MiB).toFixed(1)} MiB at most, client sent ${r.sent} MiB`);
    expect(r.growth, `daemon RSS grew by ${Math.round(r.growth / MiB)} MiB`).toBeLessThan(RSS_BOUND);
    // Nothing reads them, so the daemon takes all 2 GiB as fast as they come and keeps none.
    expect(r.allSent).toBe(true);
    r.client.kill('SIGKILL');
    await waitFor(() => daemonSandboxes(d).length === 0, 20_000);
    expect(d.child.exitCode).toBeNull();
  });

  it('lets a second Ctrl-C end gobox when the sandbox never reads its stdin, and stops the sandbox', async () => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: `/home/${a.name}`, NO_COLOR: '1', GOBOX_AGENT: 'off', ...d.clientEnv };
    const child = spawn(process.execPath, [GOBOX, 'run', 'sleep', '60'], { cwd: dirA, uid: a.uid, gid: a.gid, env, stdio: ['pipe', 'ignore', 'pipe'] });
    clients.push(child);
    let stderr = '';
    child.stderr!.on('data', (x: Buffer) => (stderr += x.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const chunk = Buffer.alloc(MiB, 0x61);
    let flooding = true;
    const pump = () => {
      while (flooding && child.stdin!.write(chunk));
      if (flooding) child.stdin!.once('drain', pump);
    };
    child.stdin!.on('error', () => {});
    pump();
    await waitFor(() => daemonSandboxes(d).length === 1, 60_000);
    await new Promise((r) => setTimeout(r, 3000)); // started, and every buffer between full
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
    flooding = false;
    expect(code).toBe(130);
    expect(stderr).toContain('the sandbox was not reading its stdin');
    await waitFor(() => daemonSandboxes(d).length === 0, 20_000);
  });
});
