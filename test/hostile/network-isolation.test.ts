import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, gobox, HELLO, makeModule, profileHome, spawnGobox, waitFor } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';
import { hostConfig } from '../fixtures/proxy/private-proxy.js';

/**
 * Issue 8, point 1: a sandbox of one user never reaches a sandbox of another user over the
 * network, in open and in proxy mode, by IP or by name. Root drives gobox on projects the test
 * users own, so each sandbox runs as (and its network belongs to) that project's owner.
 */
const A = { name: 'gobox-net-a', uid: 23600 };
const B = { name: 'gobox-net-b', uid: 23601 };
const PORT = 8087;
const SECRET = 'secret-of-a';
/** A one-line TCP server (the image has perl, not nc); it answers every connection with SECRET. */
const SERVE = `perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>${PORT},Listen=>5,ReuseAddr=>1) or die; print "listening\\n"; $|=1; while($c=$s->accept){print $c "${SECRET}\\n"; close $c}'`;

const docker = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const gid = (name: string) => Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());

/** What a probe prints: the answer when it connects, "closed" when it cannot (5 s at most). */
function probe(target: string): string {
  return `timeout 5 bash -c 'exec 3<>/dev/tcp/${target}/${PORT} && head -1 <&3' 2>/dev/null || echo closed`;
}

describe('network isolation between users', () => {
  let env: Record<string, string>;
  let dirA: string;
  let dirB: string;
  const servers: { kill(): void; done: Promise<unknown> }[] = [];

  beforeAll(() => {
    ensureTestUser(A);
    ensureTestUser(B);
    // Proxy mode needs a configured module proxy; nothing here fetches modules, so none answers.
    const config = hostConfig('proxy:\n  url: https://modules.invalid\n');
    const home = profileHome({ proxied: 'description: proxy mode\nnetwork: proxy\n' });
    env = { GOBOX_CONFIG: config, XDG_CONFIG_HOME: home };
    dirA = makeModule(HELLO, { uid: A.uid, gid: gid(A.name) });
    dirB = makeModule(HELLO, { uid: B.uid, gid: gid(B.name) });
  });

  afterAll(async () => {
    for (const s of servers) s.kill();
    await Promise.all(servers.map((s) => s.done.catch(() => {})));
    // Only what this test made: the test users' networks (the shared forwarder stays).
    execFileSync('sh', ['-c', `for n in $(docker network ls -q --filter label=gobox.owner=${A.uid}) $(docker network ls -q --filter label=gobox.owner=${B.uid}); do docker network disconnect -f $n gobox-proxy >/dev/null 2>&1; docker network rm $n >/dev/null 2>&1; done; true`]);
  });

  /** Starts A's server in a sandbox of the given profile; resolves with the sandbox's IP and name once it listens. */
  async function serveAsA(profile: string): Promise<{ ip: string; name: string }> {
    const child = spawnGobox(['--profile', profile, 'run', 'sh', '-c', SERVE], { cwd: dirA, env });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const done = collect(child, { timeoutMs: 600_000 });
    servers.push({ kill: () => child.kill('SIGTERM'), done });
    await waitFor(() => out.includes('listening'), 120_000);
    const id = docker(['ps', '-q', '--filter', `label=gobox.owner=${A.uid}`, '--filter', `label=gobox.profile=${profile}`]).split('\n')[0]!;
    const name = docker(['inspect', '--format', '{{.Name}}', id]).replace(/^\//, '');
    const ip = docker(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', id]).split(' ')[0]!;
    return { ip, name };
  }

  async function probeFrom(dir: string, profile: string, targets: string[]): Promise<string> {
    const r = await gobox(['--profile', profile, 'run', 'bash', '-c', targets.map(probe).join('; ')], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  }

  it("open mode: B's sandbox cannot reach A's server by IP or name; A's own second sandbox can", async () => {
    const a = await serveAsA('default');
    expect(a.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await probeFrom(dirB, 'default', [a.ip, a.name])).toBe('closed\nclosed\n');
    // What holds for one user: their own sandboxes share their network, by IP and by name.
    expect(await probeFrom(dirA, 'default', [a.ip, a.name])).toBe(`${SECRET}\n${SECRET}\n`);
    // Each user has a network of their own, labelled with the owner.
    expect(docker(['network', 'inspect', '--format', '{{index .Labels "gobox.owner"}} {{.Internal}}', `gobox-net-${A.uid}`])).toBe(`${A.uid} false`);
  });

  it("proxy mode: B's sandbox cannot reach A's server by IP or name, nor can B's open sandbox", async () => {
    const a = await serveAsA('proxied');
    expect(a.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await probeFrom(dirB, 'proxied', [a.ip, a.name])).toBe('closed\nclosed\n');
    expect(await probeFrom(dirB, 'default', [a.ip, a.name])).toBe('closed\nclosed\n');
    expect(await probeFrom(dirA, 'proxied', [a.ip, a.name])).toBe(`${SECRET}\n${SECRET}\n`);
    // The shared forwarder has joined each user's proxy network, and still answers both.
    const nets = docker(['inspect', '--format', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'gobox-proxy']);
    expect(nets.split(' ')).toEqual(expect.arrayContaining([`gobox-proxy-net-${A.uid}`, `gobox-proxy-net-${B.uid}`]));
  });

  it("gc as a user removes that user's unused networks once no sandbox uses them", async () => {
    for (const s of servers.splice(0)) (s.kill(), await s.done.catch(() => {}));
    const before = docker(['network', 'ls', '--format', '{{.Name}}']).split('\n');
    expect(before).toEqual(expect.arrayContaining([`gobox-net-${A.uid}`, `gobox-proxy-net-${A.uid}`, `gobox-net-${B.uid}`]));
    // gc leaves a network alone in its first minute (its run may not have created its sandbox yet).
    const created = Math.max(...[`gobox-net-${A.uid}`, `gobox-proxy-net-${A.uid}`].map((n) => Date.parse(JSON.parse(docker(['network', 'inspect', '--format', '{{json .Created}}', n])))));
    await new Promise((r) => setTimeout(r, Math.max(0, created + 62_000 - Date.now())));
    const r = await gobox(['gc', '--json'], { cwd: dirA, user: A.name });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).networks).toEqual(expect.arrayContaining([`gobox-net-${A.uid}`, `gobox-proxy-net-${A.uid}`]));
    const after = docker(['network', 'ls', '--format', '{{.Name}}']).split('\n');
    expect(after).not.toContain(`gobox-net-${A.uid}`);
    expect(after).not.toContain(`gobox-proxy-net-${A.uid}`);
    // B's networks are B's: A's gc leaves them alone.
    expect(after).toContain(`gobox-net-${B.uid}`);
  });
});
