import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule, profileHome, REPO, sandboxesWith, waitFor } from '../helpers/gobox.js';

/**
 * The gVisor subset of the sandbox contract: Debian's runsc registered with dockerd (with
 * --network=none, the only way it starts containers here), a real `go build` under it, and the
 * refusals for combinations that cannot work.
 */
const PROFILES = {
  gvisor: 'description: gVisor, no network\nruntime: runsc\nnetwork: none\nlimits:\n  pids: 512\n',
  'gvisor-few-pids': 'runtime: runsc\nnetwork: none\nlimits:\n  pids: 64\n',
  'gvisor-open': 'runtime: runsc\nnetwork: open\n',
  'no-such-runtime': 'runtime: kata-not-here\nnetwork: none\n',
};

describe('gVisor (runsc) on rootful Docker', () => {
  let env: Record<string, string>;
  beforeAll(() => {
    execFileSync('bash', [path.join(REPO, 'scripts', 'setup-runsc.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    env = { XDG_CONFIG_HOME: profileHome(PROFILES) };
  }, 300_000);

  it('builds and runs hello-world under gVisor, as the user, with no network', async () => {
    const dir = makeModule(HELLO);
    const r = await gobox(['-p', 'gvisor', 'run', 'sh', '-c', 'go build -o hello . && ./hello && dmesg | head -1 && id -u && cat /sys/class/net/*/operstate 2>/dev/null | wc -l'], { cwd: dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [hello, kernel, uid] = r.stdout.split('\n');
    expect(hello).toBe('hello, sandbox');
    expect(kernel).toContain('Starting gVisor');
    expect(Number(uid)).not.toBe(0);
    expect(existsSync(path.join(dir, 'hello'))).toBe(true);
  });

  it('runs under gVisor through the warm agent, which starts no sandbox ahead there', async () => {
    const dir = makeModule(HELLO);
    const on = { ...env, GOBOX_AGENT: 'on', GOBOX_AGENT_IDLE: `${61 + Math.floor(Math.random() * 500)}s` };
    const agents = () => execFileSync('sh', ['-c', 'pgrep -u 0 -f "bin.js agent" || true'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`GOBOX_AGENT_IDLE=${on.GOBOX_AGENT_IDLE}`);
        } catch {
          return false;
        }
      });
    const log = () => readFileSync(readlinkSync(`/proc/${agents()[0]}/fd/2`), 'utf8');
    try {
      expect((await gobox(['-p', 'gvisor', 'run', 'true'], { cwd: dir, env: on })).code).toBe(0);
      await waitFor(() => agents().length === 1 && log().includes('serving uid 0'), 30_000);
      for (const code of [3, 4]) {
        const r = await gobox(['-p', 'gvisor', 'run', 'sh', '-c', `cat; dmesg | head -1; exit ${code}`], { cwd: dir, env: on, input: 'in\n' });
        expect(r.code).toBe(code);
        expect(r.stdout).toMatch(/^in\n.*Starting gVisor/);
        await new Promise((res) => setTimeout(res, 1000)); // time enough to start one ahead, if it did
        expect(sandboxesWith('gobox.warm=true').filter((id) => execFileSync('docker', ['inspect', '-f', '{{.HostConfig.Runtime}}', id], { encoding: 'utf8' }).trim() === 'runsc')).toEqual([]);
      }
      expect(log().match(/served run/g)).toHaveLength(2);
    } finally {
      for (const p of agents()) process.kill(p, 'SIGTERM');
      await waitFor(() => agents().length === 0, 20_000);
    }
  });

  it('keeps the contract under runsc: exit status, streams, read-only GOROOT and root, tmpfs /tmp, cleanup', async () => {
    const dir = makeModule(HELLO);
    const r = await gobox(['-p', 'gvisor', 'run', 'sh', '-c', 'echo out; echo err >&2; touch /usr/local/go/x 2>/dev/null || echo ro-goroot; touch /etc/x 2>/dev/null || echo ro-root; stat -f -c %T /tmp; exit 5'], { cwd: dir, env });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('out\nro-goroot\nro-root\ntmpfs\n');
    expect(r.stderr).toBe('err\n');
    expect(sandboxesWith('gobox.profile=gvisor')).toEqual([]);
  });

  it('has no way out: a connection attempt fails inside the sandbox', async () => {
    const dir = makeModule({ ...HELLO, 'main.go': 'package main\n\nimport ("fmt"; "net"; "time")\n\nfunc main() { _, err := net.DialTimeout("tcp", "1.1.1.1:443", 2*time.Second); fmt.Println(err != nil) }\n' });
    const dial = await gobox(['-p', 'gvisor', 'run', 'go', 'run', '.'], { cwd: dir, env });
    expect(dial.stdout).toBe('true\n');
  });

  it('proves which limits hold under runsc (probed from the host cgroup) in doctor --json', async () => {
    const r = await gobox(['doctor', '--json'], { cwd: makeModule(HELLO), env: { ...env, GOBOX_PROFILE: 'gvisor' } });
    const report = JSON.parse(r.stdout);
    expect(report.engine.runtime).toBe('runsc');
    const finding = (report.findings as { check: string; status: string; detail: string }[]).find((f) => f.check === 'runtime')!;
    expect(finding.status).toBe('ok');
    expect(finding.detail).toContain('runsc registered');
    // Independent witness: the host cgroup of a runsc container started by hand.
    const id = execFileSync('docker', ['run', '-d', '--runtime', 'runsc', '--network', 'none', '--pids-limit', '77', 'gobox-base:bookworm', 'sleep', '20'], { encoding: 'utf8' }).trim();
    try {
      const pids = execFileSync('sh', ['-c', `cat /sys/fs/cgroup/pids/docker/${id}/pids.max 2>/dev/null || cat /sys/fs/cgroup/system.slice/docker-${id}.scope/pids.max 2>/dev/null || echo none`], { encoding: 'utf8' }).trim();
      expect(report.engine.limits.pids).toBe(pids === '77');
    } finally {
      execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
    }
  });

  it('refuses runsc with a network, naming the fix', async () => {
    const r = await gobox(['-p', 'gvisor-open', 'run', 'true'], { cwd: makeModule(HELLO), env });
    expect(r.code).toBe(125);
    expect(r.stderr).toBe('gobox: runtime runsc runs only sandboxes with network none, and this profile asks for network open; set network: none in the profile (modules must then be in the cache already), or remove runtime: runsc\n');
  });

  it('refuses a pids limit too small for gVisor\'s own threads', async () => {
    const r = await gobox(['-p', 'gvisor-few-pids', 'run', 'true'], { cwd: makeModule(HELLO), env });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('runtime runsc needs limits.pids of at least 256, and this profile sets 64');
  });

  it('refuses a runtime that is not registered, with how to register it', async () => {
    const r = await gobox(['-p', 'no-such-runtime', 'run', 'true'], { cwd: makeModule(HELLO), env });
    expect(r.code).toBe(125);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('runtime kata-not-here is not registered with the docker engine');
    expect(r.stderr).toContain('daemon.json');
  });
});
