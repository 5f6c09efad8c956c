import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { HELLO, makeModule } from '../helpers/gobox.js';
import { rawRequest, socketOf, withTwoUserDaemon } from '../helpers/daemon.js';

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
  const t = withTwoUserDaemon({ leftovers: true });
  const { a, b } = t;

  it('runs through the daemon with streaming output, stdin and the exit code', async () => {
    const r = await t.d.run(a.name, ['run', 'sh', '-c', 'id -u; cat; echo err >&2; exit 3'], { cwd: t.dirA, input: 'from stdin\n' });
    expect(r.stdout).toBe(`${a.uid}\nfrom stdin\n`);
    expect(r.stderr).toContain('err');
    expect(r.code).toBe(3);
    const ends = t.d.audit().filter((e) => e.event === 'end' && e.uid === a.uid);
    expect(ends.at(-1)).toMatchObject({ exitCode: 3, user: a.name, reason: 'exited' });
  });

  it('serves a user outside the docker group, who has no other way to the engine', async () => {
    const dir = makeModule(HELLO, t.nd);
    // The host's engine is Docker, whose socket this user may not use. (Podman is installed here
    // too, and a user's own rootless Podman would be a way of their own: test/integration/podman-*.)
    const direct = await t.d.run(t.nd.name, ['run', 'true'], { cwd: dir, env: { GOBOX_DIRECT: '1', DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    expect(direct.code).not.toBe(0);
    const r = await t.d.run(t.nd.name, ['run', 'go', 'run', '.'], { cwd: dir });
    expect(r.stdout).toBe('hello, sandbox\n');
    expect(r.code).toBe(0);
    const env = await t.d.run(t.nd.name, ['env', '--json'], { cwd: dir });
    expect(JSON.parse(env.stdout)).toMatchObject({ mode: 'daemon', user: `${t.nd.uid}:${t.nd.gid}` });
  });

  it('ignores a request that claims another uid: the socket is the identity', () => {
    const req = { v: 1, op: 'run', cwd: t.dirA, command: ['id', '-u'], stdin: false, uid: 0, gid: 0, user: 'root' };
    const r = rawRequest(socketOf(t.d, a.uid), Buffer.from(JSON.stringify(req) + '\n'), { user: a.name, holdMs: 30_000 });
    const out = r.frames!.filter((f) => f.type === 10).map((f) => f.text).join('');
    expect(out).toBe(`${a.uid}\n`);
  });

  it("refuses user A on user B's socket", () => {
    const r = rawRequest(socketOf(t.d, b.uid), Buffer.from('{}\n'), { user: a.name });
    expect(r.error).toBe('EACCES');
  });

  it('answers garbage, truncated and huge requests with an error and keeps serving', async () => {
    const sock = socketOf(t.d, a.uid);
    expect(await rootRaw(sock, [Buffer.from('this is not json\n')])).toContain('bad request: request is not valid JSON');
    expect(await rootRaw(sock, [Buffer.from('{"v":1,"op":"run","cwd":"/tmp","command":["id"]}\n').subarray(0, 20)])).toBe('');
    expect(await rootRaw(sock, [Buffer.from('{"v":1,"op":"rm -rf","cwd":"relative","command":[]}\n')])).toContain('invalid request');
    expect(await rootRaw(sock, [Buffer.alloc(256 * 1024, 0x41)], false)).toContain('request larger than 65536 bytes');
    expect(await rootRaw(sock, [Buffer.from([0, 1, 2, 255, 10, 0, 0, 0, 9])])).toContain('bad request');
    // A valid request followed by a frame that claims 4 GiB.
    const bad = Buffer.concat([Buffer.from(JSON.stringify({ v: 1, op: 'run', cwd: t.dirA, command: ['sleep', '30'] }) + '\n'), Buffer.from([1, 255, 255, 255, 255])]);
    await rootRaw(sock, [bad], false, 3000);
    const ok = await t.d.run(a.name, ['run', 'echo', 'still here'], { cwd: t.dirA });
    expect(ok.stdout).toBe('still here\n');
    expect(t.d.child.exitCode).toBeNull();
  });

  it('tells the user in one line when the daemon is not running, and whom to ask', async () => {
    await t.d.stop();
    const r = await t.d.run(a.name, ['run', 'true'], { cwd: t.dirA });
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('the gobox daemon is not running');
    expect(r.stderr).toContain('ask your administrator');
    await t.d.restart();
    expect((await t.d.run(a.name, ['run', 'true'], { cwd: t.dirA })).code).toBe(0);
  });
});
