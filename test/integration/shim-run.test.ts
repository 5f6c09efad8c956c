import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect, makeModule, waitFor } from '../helpers/gobox.js';
import { freshShimUser, goboxAs, runAs, spawnAs, stopAgentsOf, userEnv, type ShimUser } from '../helpers/shim.js';

const MOD = {
  'go.mod': 'module example.com/shimt\n\ngo 1.22\n',
  'sub/sub.go': 'package sub\n\nfunc Two() int { return 2 }\n',
  'sub/sub_test.go': 'package sub\n\nimport "testing"\n\nfunc TestTwo(t *testing.T) {\n\tif Two() != 3 {\n\t\tt.Fatal("boom: two is not three")\n\t}\n}\n',
  'upper/main.go': 'package main\n\nimport (\n\t"bufio"\n\t"fmt"\n\t"os"\n\t"strings"\n)\n\nfunc main() {\n\ts := bufio.NewScanner(os.Stdin)\n\tfor s.Scan() {\n\t\tfmt.Println(strings.ToUpper(s.Text()))\n\t}\n}\n',
  'tty/main.go': 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfi, _ := os.Stdin.Stat()\n\tfmt.Printf("stdin-tty=%v\\n", fi.Mode()&os.ModeCharDevice != 0)\n}\n',
  'wait/main.go': 'package main\n\nimport (\n\t"fmt"\n\t"time"\n)\n\nfunc main() {\n\tfmt.Println("ready")\n\ttime.Sleep(time.Hour)\n}\n',
  'gen/gen.go': 'package gen\n\n//go:generate sh -c "command -v go; go version >/dev/null && echo inner-go-ok; env | grep -c ^GOBOX_SHIM || true"\n',
  'bad.go': 'package shimt\n\nfunc  Bad( ) {}\n',
};

/**
 * A plain `go` through the shim, as a user types it: the sandbox's go with the caller's cwd,
 * streams, TTY, signals and exit status; no recursion; GOBOX_SHIM=off for the host's go; and
 * answers kept for go version / go env, never for commands that read the project.
 */
describe('go through the shim', () => {
  let u: ShimUser;
  let bin: string;
  let mod: string;
  const env = (extra: Record<string, string> = {}) => userEnv(u, { PATH: `${bin}:/usr/local/go/bin:/usr/bin:/bin`, ...extra });
  const go = (args: string[], cwd = mod, extra: Record<string, string> = {}, input?: string) => runAs(u, ['go', ...args], cwd, env(extra), input);

  beforeAll(async () => {
    u = freshShimUser('run', 23760);
    bin = path.join(u.home, '.local/bin');
    const r = await goboxAs(u, ['shim', 'install'], u.home, { PATH: `${bin}:/usr/local/go/bin:/usr/bin:/bin` });
    expect(r.code).toBe(0);
    mod = makeModule(MOD, u);
    // The user's first run makes their cache volume (and says so on stderr): not part of any test below.
    expect((await go(['version'])).code).toBe(0);
  });

  it('runs in a fresh sandbox from the caller’s cwd, with the command’s own exit status and streams', async () => {
    const gomod = await go(['env', 'GOMOD', 'GOCACHE'], path.join(mod, 'sub'));
    expect(gomod.stdout).toBe(`${mod}/go.mod\n/gobox/cache/build\n`);
    expect(gomod.code).toBe(0);
    const t = await go(['test', './...']);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('boom: two is not three');
    expect(t.stdout).toMatch(/FAIL\texample\.com\/shimt\/sub/);
    const missing = await go(['nosuchcommand']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('go nosuchcommand: unknown command');
    const fmt = await runAs(u, ['gofmt', '-l', '.'], mod, env());
    expect(fmt.stdout).toBe('bad.go\n');
  });

  it('gives go run the caller’s stdin, and go env -json whole on a pipe', async () => {
    const up = await go(['run', './upper'], mod, {}, 'hello\nshim\n');
    expect(up.stdout).toBe('HELLO\nSHIM\n');
    expect(up.code).toBe(0);
    const piped = await runAs(u, ['sh', '-c', 'go env -json | cat'], mod, env());
    const j = JSON.parse(piped.stdout) as Record<string, string>;
    expect(j.GOMOD).toBe(`${mod}/go.mod`);
    expect(j.GOTOOLCHAIN).toBe('local');
  });

  it('gives the sandbox a TTY when the caller has one', async () => {
    // script(1) gives the shim a pseudo-terminal; its own stdin stays open until the command ends, as a person's would.
    const child = spawnAs(u, ['script', '-qec', 'go run ./tty; echo status=$?', '/dev/null'], mod, env());
    let screen = '';
    child.stdout!.on('data', (b: Buffer) => (screen += b.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    child.stdin!.end();
    expect(screen).toContain('stdin-tty=true');
    expect(screen).toContain('status=0');
    expect((await go(['run', './tty'])).stdout).toBe('stdin-tty=false\n');
  });

  it('stops the sandbox on Ctrl-C and ends with 130', async () => {
    const child = spawnAs(u, ['go', 'run', './wait'], mod, env());
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const done = collect(child);
    await waitFor(() => out.includes('ready'), 120_000);
    const pid = Number(execFileSync('sh', ['-c', `pgrep -u ${u.uid} -f "shim-bin.js go run ./wait"`], { encoding: 'utf8' }).trim().split('\n')[0]);
    process.kill(pid, 'SIGINT');
    expect((await done).code).toBe(130);
    await waitFor(() => execFileSync('docker', ['ps', '-aq', '--filter', `label=gobox.owner=${u.uid}`, '--filter', 'label=gobox.kind=sandbox'], { encoding: 'utf8' }).trim() === '', 20_000);
  });

  it('never recurses: inside the sandbox go is the toolchain’s own, and a shim reached from gobox refuses', async () => {
    const gen = await go(['generate', './gen']);
    expect(gen.stdout).toBe('/usr/local/go/bin/go\ninner-go-ok\n0\n');
    expect(gen.code).toBe(0);
    const again = await go(['version'], mod, { GOBOX_SHIM_ACTIVE: `${bin}/go` });
    expect(again.code).toBe(125);
    expect(again.stderr).toBe(`gobox: the go shim in ${bin} was reached from inside gobox (via ${bin}/go); not starting gobox again\n`);
  });

  it('GOBOX_SHIM=off runs the host’s go found later on PATH', async () => {
    const r = await go(['env', 'GOCACHE'], mod, { GOBOX_SHIM: 'off' });
    expect(r.stdout).toBe(`${u.home}/.cache/go-build\n`);
    expect(r.code).toBe(0);
    const none = await runAs(u, ['go', 'version'], mod, env({ GOBOX_SHIM: 'off', PATH: `${bin}:/usr/bin:/bin` }));
    expect(none.code).toBe(127);
  });

  it('answers go version and go env from a kept answer until go.mod or the environment changes; go list always runs', async () => {
    const on = { GOBOX_AGENT: 'on', GOBOX_AGENT_IDLE: '120s', GOBOX_SHIM_TIMINGS: '1' };
    const dir = makeModule({ 'go.mod': 'module example.com/kept\n\ngo 1.22\n' }, u);
    try {
      // The first run goes direct and starts the user's agent for the next ones.
      expect((await go(['env', 'GOMOD'], dir, on)).code).toBe(0);
      await waitFor(() => existsSync(`/tmp/gobox-agent-${u.uid}`) && execFileSync('sh', ['-c', `pgrep -u ${u.uid} -f "bin.js agent" || true`], { encoding: 'utf8' }).trim() !== '', 30_000);
      const ask = async (args: string[], extra: Record<string, string> = {}) => {
        // The agent may still be coming up: until a run went through it, nothing is kept.
        for (let i = 0; i < 20; i++) {
          const r = await go(args, dir, { ...on, ...extra });
          if (r.stderr.includes('run through the agent') || r.stderr.includes('kept answer')) return r;
          await new Promise((res) => setTimeout(res, 500));
        }
        throw new Error('no run went through the agent');
      };
      const first = await ask(['env', 'GOMOD']);
      expect(first.stdout).toBe(`${dir}/go.mod\n`);
      const second = await go(['env', 'GOMOD'], dir, on);
      expect(second.stderr).toContain('answer lookup (kept answer)');
      expect(second.stderr).not.toContain('run through the agent');
      expect(second.stdout).toBe(first.stdout);
      expect(second.code).toBe(0);
      appendFileSync(path.join(dir, 'go.mod'), '// changed\n');
      const changed = await go(['env', 'GOMOD'], dir, on);
      expect(changed.stderr).toContain('answer lookup (none kept)');
      expect(changed.stdout).toBe(first.stdout);
      const flags = await ask(['env', 'GOFLAGS'], { GOFLAGS: '-mod=mod' });
      expect(flags.stdout).toBe('-mod=mod\n');
      const flagsAgain = await go(['env', 'GOFLAGS'], dir, { ...on, GOFLAGS: '-mod=mod' });
      expect(flagsAgain.stderr).toContain('kept answer');
      expect((await go(['env', 'GOFLAGS'], dir, on)).stdout).toBe('\n');
      const list = await go(['list', '-m'], dir, on);
      expect(list.stdout).toBe('example.com/kept\n');
      expect(list.stderr).not.toContain('answer lookup');
    } finally {
      stopAgentsOf(u);
    }
  });

  it('through the warm agent too: the exit status of a failing go test, stdin, and Ctrl-C', async () => {
    const on = { GOBOX_AGENT: 'on', GOBOX_AGENT_IDLE: '120s', GOBOX_SHIM_TIMINGS: '1' };
    try {
      expect((await go(['version'], mod, { ...on, GOBOX_SHIM_ANSWERS: 'off' })).code).toBe(0);
      let t: Awaited<ReturnType<typeof go>> | undefined;
      // Until the agent started by that run listens, runs go in-process: retry until one went through it.
      for (let i = 0; i < 20 && !t?.stderr.includes('run through the agent'); i++) {
        if (i) await new Promise((res) => setTimeout(res, 500));
        t = await go(['test', './...'], mod, on);
      }
      expect(t!.stderr).toContain('run through the agent');
      expect(t!.code).toBe(1);
      expect(t!.stdout).toContain('boom: two is not three');
      const up = await go(['run', './upper'], mod, on, 'through\nthe agent\n');
      expect(up.stderr).toContain('run through the agent');
      expect(up.stdout).toBe('THROUGH\nTHE AGENT\n');
      const child = spawnAs(u, ['go', 'run', './wait'], mod, env(on));
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      const done = collect(child);
      await waitFor(() => out.includes('ready'), 120_000);
      const pid = Number(execFileSync('sh', ['-c', `pgrep -u ${u.uid} -f "shim-bin.js go run ./wait"`], { encoding: 'utf8' }).trim().split('\n')[0]);
      process.kill(pid, 'SIGINT');
      const r = await done;
      expect(r.code).toBe(130);
      expect(r.stderr).toContain('run through the agent');
    } finally {
      stopAgentsOf(u);
    }
  });

  it('the shim\'s own client takes a call to the agent, and hands one it cannot serve to the Node entry with its stdin whole', async () => {
    expect(existsSync(path.join(bin, '.gobox-shim-client'))).toBe(true);
    const on = { GOBOX_AGENT: 'on', GOBOX_AGENT_IDLE: '120s', GOBOX_SHIM_TIMINGS: '1' };
    try {
      let list: Awaited<ReturnType<typeof go>> | undefined;
      // The first call starts the agent (through the Node entry); the client reaches it once it listens.
      for (let i = 0; i < 20 && !list?.stderr.includes('(shim client)'); i++) {
        if (i) await new Promise((res) => setTimeout(res, 500));
        list = await go(['list', '-m'], mod, on);
      }
      expect(list!.stderr).toContain('run through the agent (shim client)');
      expect(list!.stdout).toBe('example.com/shimt\n');
      expect(list!.code).toBe(0);
      const fmt = await runAs(u, ['gofmt'], mod, env(on), 'package  x\nfunc  F( ) {}\n');
      expect(fmt.stderr).toContain('(shim client)');
      expect(fmt.stdout).toBe('package x\n\nfunc F() {}\n');
      const vet = await go(['vet', './nosuchdir'], mod, on);
      expect(vet.stderr).toContain('(shim client)');
      expect(vet.code).not.toBe(0);
      // Other gobox settings (an engine variable) are another agent's: the call goes back to the
      // Node entry before any stdin was read, and still gets all of it.
      const other = await go(['run', './upper'], mod, { ...on, DOCKER_CONFIG: `${u.home}/.docker-other` }, 'every\nline\n');
      expect(other.stdout).toBe('EVERY\nLINE\n');
      expect(other.code).toBe(0);
      expect(other.stderr).not.toContain('(shim client)');
      expect(other.stderr).toContain('loading the agent client');
    } finally {
      stopAgentsOf(u);
    }
  });
});
