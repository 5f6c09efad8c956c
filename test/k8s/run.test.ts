import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELLO, makeModule } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { k8sGobox, podsWith } from './cluster.js';

const user = () => shared.users[0]!;

describe('gobox run on a Kubernetes cluster', () => {
  it('runs go version in a pod, as the user, and leaves no pod behind', async () => {
    const dir = makeModule(HELLO);
    const r = await k8sGobox(['run', 'go', 'version'], { cwd: dir, user: user().name });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^go version go${shared.goNew.replace(/\./g, '\\.')} linux/`));
    expect(r.code).toBe(0);
    expect(await podsWith({ 'gobox.owner': String(user().uid), 'gobox.kind': 'sandbox' })).toEqual([]);
  });

  it('gobox env tells the run the cluster would get, and makes no pod for it', async () => {
    const dir = makeModule(HELLO);
    const r = await k8sGobox(['env', '--json'], { cwd: dir, user: user().name });
    expect(r.code, r.stderr).toBe(0);
    const env = JSON.parse(r.stdout) as { project: string; user: string; cacheVolume: string; toolchain: { version: string }; env: Record<string, { value: string }> };
    expect(env).toMatchObject({ project: dir, user: `${user().uid}:${user().gid}`, cacheVolume: `gobox-cache-${user().uid}`, toolchain: { version: `go${shared.goNew}` } });
    expect(env.env.GOCACHE?.value).toBe('/gobox/cache/build');
    expect(await podsWith({ 'gobox.owner': String(user().uid), 'gobox.kind': 'sandbox' })).toEqual([]);
  });

  it('holds the contract: uid, read-only root and toolchain, tmpfs scratch, the working directory', async () => {
    const dir = makeModule({ ...HELLO, 'sub/x.txt': 'x' });
    const script = [
      'id -u; id -g; pwd',
      'touch /rootfs-probe 2>/dev/null && echo root-writable || echo root-readonly',
      'touch /usr/local/go/probe 2>/dev/null && echo go-writable || echo go-readonly',
      'awk \'$2=="/tmp"{print "tmp " $3}\' /proc/mounts',
      'awk \'$2=="/home/gobox"{print "home " $3}\' /proc/mounts',
      'echo "$GOCACHE"',
    ].join('; ');
    const r = await k8sGobox(['run', 'sh', '-c', script], { cwd: path.join(dir, 'sub'), user: user().name });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([String(user().uid), String(user().gid), path.join(dir, 'sub'), 'root-readonly', 'go-readonly', 'tmp tmpfs', 'home tmpfs', '/gobox/cache/build', '']);
  });

  it('returns the command\'s own exit status: 0, 1, 3 and 127 for a missing command', async () => {
    const dir = makeModule(HELLO);
    const runs = await Promise.all([['true'], ['false'], ['sh', '-c', 'echo out; echo err >&2; exit 3'], ['no-such-command']].map((cmd) => k8sGobox(['run', ...cmd], { cwd: dir, user: user().name })));
    expect(runs.map((r) => r.code)).toEqual([0, 1, 3, 127]);
    expect(runs[2]!.stdout).toBe('out\n');
    expect(runs[2]!.stderr).toBe('err\n');
    expect(runs[3]!.stderr).toBe('gobox: no-such-command: command not found in the sandbox\n');
  });

  it('forwards stdin and closes it at its end', async () => {
    const dir = makeModule(HELLO);
    const r = await k8sGobox(['run', 'sh', '-c', 'wc -l'], { cwd: dir, user: user().name, input: 'a\nb\nc\n' });
    expect(r.stdout.trim()).toBe('3');
    expect(r.code).toBe(0);
  });

  it('builds and tests a real module, and copies the binary back into the project, owned by the user', async () => {
    const dir = makeModule({
      ...HELLO,
      'greet/greet.go': 'package greet\n\nfunc Hello(n string) string { return "hello, " + n }\n',
      'greet/greet_test.go': 'package greet\n\nimport "testing"\n\nfunc TestHello(t *testing.T) {\n\tif Hello("k8s") != "hello, k8s" {\n\t\tt.Fatal(Hello("k8s"))\n\t}\n}\n',
    });
    const build = await k8sGobox(['run', 'go', 'build', '-o', 'bin/hello', '.'], { cwd: dir, user: user().name });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const bin = path.join(dir, 'bin', 'hello');
    expect(existsSync(bin)).toBe(true);
    const st = statSync(bin);
    expect([st.uid, st.gid]).toEqual([user().uid, user().gid]);
    expect(st.mode & 0o100).toBe(0o100);
    const test = await k8sGobox(['run', 'go', 'test', '-v', '-coverprofile=cover.out', './...'], { cwd: dir, user: user().name });
    expect(test.stdout).toMatch(/--- PASS: TestHello/);
    expect(test.code).toBe(0);
    // What go test wrote into the project came back too.
    const cover = readFileSync(path.join(dir, 'cover.out'), 'utf8');
    expect(cover.startsWith('mode: set\n')).toBe(true);
    expect(cover).toMatch(/^example\.com\/hello\/greet\/greet\.go:3\.\d+,3\.\d+ 1 1$/m);
    // The copied-back binary runs on the host: it is the file the pod built.
    const run = await k8sGobox(['run', './bin/hello'], { cwd: dir, user: user().name });
    expect(run.stdout).toBe('hello, sandbox\n');
  });
});
