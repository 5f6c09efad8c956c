import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { HELLO, makeModule } from '../helpers/gobox.js';
import { ensureNoDockerUser, fingerprint, privateDirOf, rawRequest, socketOf, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

/** Raw bytes to a socket from this (root) process; resolves with what came back before close. */
function rootRaw(socket: string, chunks: Buffer[], endAfter = true, waitMs = 15_000): Promise<string> {
  return new Promise((resolve) => {
    const c = net.createConnection(socket);
    let got = Buffer.alloc(0);
    c.on('connect', () => {
      for (const b of chunks) c.write(b);
      if (endAfter) c.end();
    });
    c.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    c.on('error', () => {});
    c.on('close', () => resolve(got.toString('utf8')));
    setTimeout(() => (c.destroy(), resolve(got.toString('utf8'))), waitMs);
  });
}

describe('daemon: identity, protocol abuse, availability', () => {
  let d: TestDaemon;
  const [a, b] = [shared.users[0]!, shared.users[1]!];
  let nd: { name: string; uid: number; gid: number };
  let dirA: string;
  let dirB: string;
  let before: string;

  beforeAll(async () => {
    nd = ensureNoDockerUser();
    d = await startTestDaemon([a.name, b.name, nd.name]);
    dirA = makeModule(HELLO, a);
    dirB = makeModule(HELLO, b);
    before = fingerprint([dirB, privateDirOf(b)]);
  });
  afterAll(async () => {
    await d?.stop();
    expect(fingerprint([dirB, privateDirOf(b)])).toBe(before);
  });

  it('runs through the daemon with streaming output, stdin and the exit code', async () => {
    const r = await d.run(a.name, ['run', 'sh', '-c', 'id -u; cat; echo err >&2; exit 3'], { cwd: dirA, input: 'from stdin\n' });
    expect(r.stdout).toBe(`${a.uid}\nfrom stdin\n`);
    expect(r.stderr).toContain('err');
    expect(r.code).toBe(3);
    const ends = d.audit().filter((e) => e.event === 'end' && e.uid === a.uid);
    expect(ends.at(-1)).toMatchObject({ exitCode: 3, user: a.name, reason: 'exited' });
  });

  it('serves a user outside the docker group, who has no other way to the engine', async () => {
    const dir = makeModule(HELLO, nd);
    const direct = await d.run(nd.name, ['run', 'true'], { cwd: dir, env: { GOBOX_DIRECT: '1' } });
    expect(direct.code).not.toBe(0);
    const r = await d.run(nd.name, ['run', 'go', 'run', '.'], { cwd: dir });
    expect(r.stdout).toBe('hello, sandbox\n');
    expect(r.code).toBe(0);
    const env = await d.run(nd.name, ['env', '--json'], { cwd: dir });
    expect(JSON.parse(env.stdout)).toMatchObject({ mode: 'daemon', user: `${nd.uid}:${nd.gid}` });
  });

  it('ignores a request that claims another uid: the socket is the identity', () => {
    const req = { v: 1, op: 'run', cwd: dirA, command: ['id', '-u'], stdin: false, uid: 0, gid: 0, user: 'root' };
    const r = rawRequest(socketOf(d, a.uid), Buffer.from(JSON.stringify(req) + '\n'), { user: a.name, holdMs: 30_000 });
    const out = r.frames!.filter((f) => f.type === 10).map((f) => f.text).join('');
    expect(out).toBe(`${a.uid}\n`);
  });

  it("refuses user A on user B's socket", () => {
    const r = rawRequest(socketOf(d, b.uid), Buffer.from('{}\n'), { user: a.name });
    expect(r.error).toBe('EACCES');
  });

  it('answers garbage, truncated and huge requests with an error and keeps serving', async () => {
    const sock = socketOf(d, a.uid);
    expect(await rootRaw(sock, [Buffer.from('this is not json\n')])).toContain('bad request: request is not valid JSON');
    expect(await rootRaw(sock, [Buffer.from('{"v":1,"op":"run","cwd":"/tmp","command":["id"]}\n').subarray(0, 20)])).toBe('');
    expect(await rootRaw(sock, [Buffer.from('{"v":1,"op":"rm -rf","cwd":"relative","command":[]}\n')])).toContain('invalid request');
    expect(await rootRaw(sock, [Buffer.alloc(256 * 1024, 0x41)], false)).toContain('request larger than 65536 bytes');
    expect(await rootRaw(sock, [Buffer.from([0, 1, 2, 255, 10, 0, 0, 0, 9])])).toContain('bad request');
    // A valid request followed by a frame that claims 4 GiB.
    const bad = Buffer.concat([Buffer.from(JSON.stringify({ v: 1, op: 'run', cwd: dirA, command: ['sleep', '30'] }) + '\n'), Buffer.from([1, 255, 255, 255, 255])]);
    await rootRaw(sock, [bad], false, 3000);
    const ok = await d.run(a.name, ['run', 'echo', 'still here'], { cwd: dirA });
    expect(ok.stdout).toBe('still here\n');
    expect(d.child.exitCode).toBeNull();
  });

  it('tells the user in one line when the daemon is not running, and whom to ask', async () => {
    await d.stop();
    const r = await d.run(a.name, ['run', 'true'], { cwd: dirA });
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('the gobox daemon is not running');
    expect(r.stderr).toContain('ask your administrator');
    await d.restart();
    expect((await d.run(a.name, ['run', 'true'], { cwd: dirA })).code).toBe(0);
  });
});
