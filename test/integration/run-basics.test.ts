import { existsSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { gobox, GOBOX, HELLO, makeModule, sandboxesWith } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';

describe('gobox run on a real engine', () => {
  // Several tests below assert that stderr holds nothing but the command's own output. The first
  // run for a user on a fresh host also says that it makes that user's cache, so make it here
  // rather than rely on an earlier test or an earlier run having made it.
  beforeAll(async () => {
    const first = await gobox(['run', 'true'], { cwd: makeModule(HELLO) });
    expect(first.code).toBe(0);
  });

  it('ends quietly when its reader goes away (| head), and a running sandbox is still removed', () => {
    const dir = makeModule(HELLO);
    const pipe = (args: string) => spawnSync('bash', ['-c', `${process.execPath} ${GOBOX} ${args} | head -2; echo "status \${PIPESTATUS[0]}" >&2`], {
      cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/root', GOBOX_STATE_DIR: shared.stateDir, GOBOX_AGENT: 'off' },
    });
    const env = pipe('env');
    expect(env.stdout.split('\n')).toHaveLength(3);
    // Quietly: no stack trace. Whether gobox got SIGPIPE (141) or had written everything into the
    // pipe before head left (0) depends on who the scheduler runs first.
    expect(env.stderr).toMatch(/^status (0|141)\n$/);
    const run = pipe("run sh -c 'seq 1 10000000; echo finished >&2'");
    expect(run.stdout).toBe('1\n2\n');
    // Stopped like a command whose reader left: no stack trace, and it never finished.
    expect(run.stderr).toMatch(/^status 14[13]\n$/);
    expect(sandboxesWith('gobox.command=sh -c seq 1 10000000; echo finished >&2')).toEqual([]);
  });

  it('builds a hello-world module and the binary runs', async () => {
    const dir = makeModule(HELLO);
    const build = await gobox(['run', 'go', 'build', '-o', 'hello', '.'], { cwd: dir });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    expect(existsSync(path.join(dir, 'hello'))).toBe(true);
    const run = await gobox(['run', './hello'], { cwd: dir });
    expect(run.stdout).toBe('hello, sandbox\n');
    expect(run.code).toBe(0);
  });

  it("passes the command's exit status through and keeps stdout and stderr apart", async () => {
    const dir = makeModule(HELLO);
    const r = await gobox(['run', 'sh', '-c', 'echo out; echo err >&2; exit 42'], { cwd: dir });
    expect(r.code).toBe(42);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
  });

  it('exit status of a failing go test is gobox exit status', async () => {
    const dir = makeModule({
      ...HELLO,
      'main_test.go': 'package main\n\nimport "testing"\n\nfunc TestFails(t *testing.T) { t.Fatal("boom") }\n',
    });
    const r = await gobox(['run', 'go', 'test', './...'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('boom');
    expect(r.stdout).toContain('FAIL');
  });

  it('forwards stdin to the command', async () => {
    const dir = makeModule(HELLO);
    const r = await gobox(['run', 'sh', '-c', 'tr a-z A-Z'], { cwd: dir, input: 'piped input\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('PIPED INPUT\n');
  });

  it('runs in the host cwd below the project root, which is mounted at its host path', async () => {
    const dir = makeModule({ ...HELLO, 'sub/x.txt': 'x' });
    const r = await gobox(['run', 'sh', '-c', 'pwd; ls x.txt; go env GOMOD'], { cwd: path.join(dir, 'sub') });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${path.join(dir, 'sub')}\nx.txt\n${path.join(dir, 'go.mod')}\n`);
  });

  it('mounts GOROOT read-only, exports no GOROOT and pins GOTOOLCHAIN=local', async () => {
    const dir = makeModule(HELLO);
    const r = await gobox(['run', 'sh', '-c', 'touch /usr/local/go/x; echo "touch=$?"; echo "GOROOT=${GOROOT:-unset}"; go env GOROOT GOTOOLCHAIN; touch /etc/x 2>/dev/null; echo "root=$?"'], { cwd: dir });
    expect(r.stdout).toBe('touch=1\nGOROOT=unset\n/usr/local/go\nlocal\nroot=1\n');
    expect(r.stderr).toContain('Read-only file system');
  });

  it('gives a tmpfs /tmp that is empty on the next run', async () => {
    const dir = makeModule(HELLO);
    // The project itself lives under the host's /tmp here, so its mount point shows in the listing.
    const project = path.basename(dir);
    const first = await gobox(['run', 'sh', '-c', 'stat -f -c %T /tmp; echo secret > /tmp/leftover; ls /tmp'], { cwd: dir });
    expect(first.stdout).toBe(`tmpfs\n${project}\nleftover\n`);
    const second = await gobox(['run', 'sh', '-c', 'ls -A /tmp; stat -f -c %T "$HOME"'], { cwd: dir });
    expect(second.stdout).toBe(`${project}\ntmpfs\n`);
  });

  it('keeps the build cache in the per-user volume: a second build compiles nothing', async () => {
    const dir = makeModule({
      'go.mod': 'module example.com/cachecheck\n\ngo 1.22\n',
      'main.go': `package main\n\nimport "fmt"\n\n// ${Date.now()} makes this package new to the cache\nfunc main() { fmt.Println("cached") }\n`,
    });
    const first = await gobox(['run', 'go', 'build', '-x', '-o', '/tmp/out', '.'], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/\/compile /);
    const second = await gobox(['run', 'go', 'build', '-x', '-o', '/tmp/out', '.'], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/\/compile /);
    const where = await gobox(['run', 'go', 'env', 'GOCACHE', 'GOMODCACHE'], { cwd: dir });
    expect(where.stdout).toBe('/gobox/cache/build\n/gobox/cache/mod\n');
  });

  it('chooses between two real toolchains from go.mod, .go-version and --go', async () => {
    const newer = makeModule({ 'go.mod': 'module x\n\ngo 1.22\n' });
    expect((await gobox(['run', 'go', 'version'], { cwd: newer })).stdout).toContain(`go${shared.goNew} `);
    // A toolchain line picks exactly that version (Go 1.19 itself cannot parse the line, so only `go version` here).
    const pinned = makeModule({ 'go.mod': `module x\n\ngo 1.19\n\ntoolchain go${shared.goOld}\n` });
    expect((await gobox(['run', 'go', 'version'], { cwd: pinned })).stdout).toContain(`go${shared.goOld} `);
    const dotfile = makeModule({ ...HELLO, 'go.mod': 'module example.com/hello\n\ngo 1.19\n', '.go-version': `${shared.goOld}\n` });
    const built = await gobox(['run', 'go', 'run', '.'], { cwd: dotfile });
    expect(built.stdout).toBe('hello, sandbox\n');
    expect((await gobox(['run', 'go', 'version'], { cwd: dotfile })).stdout).toContain(`go${shared.goOld} `);
    expect((await gobox(['--go', shared.goNew, 'run', 'go', 'version'], { cwd: dotfile })).stdout).toContain(`go${shared.goNew} `);
    const env = await gobox(['env', '--json'], { cwd: dotfile });
    expect(JSON.parse(env.stdout).toolchain.source).toBe(path.join(dotfile, '.go-version'));
  });

  it('says command not found (127) and not executable (126) in its own words', async () => {
    const dir = makeModule({ ...HELLO, 'data.txt': 'not a program' });
    const missing = await gobox(['run', 'no-such-command'], { cwd: dir });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe('gobox: no-such-command: command not found in the sandbox\n');
    const notExec = await gobox(['run', './data.txt'], { cwd: dir });
    expect(notExec.code).toBe(126);
    expect(notExec.stderr).toContain('cannot execute in the sandbox');
  });
});
