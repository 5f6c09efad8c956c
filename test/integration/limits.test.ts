import { describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule, profileHome, sandboxesWith } from '../helpers/gobox.js';

const TIGHT = `description: tight limits for tests
limits:
  memory: 96m
  timeout: 3s
  output: 64k
  pids: 64
`;

describe('limits from the profile', () => {
  const home = profileHome({ tight: TIGHT });
  const env = { XDG_CONFIG_HOME: home };

  it('stops a command at the wall-clock limit with exit 124', async () => {
    const dir = makeModule(HELLO);
    const started = Date.now();
    const r = await gobox(['-p', 'tight', 'run', 'sleep', '600'], { cwd: dir, env });
    expect(r.code).toBe(124);
    expect(r.stderr).toContain('gobox: timed out after 3s (profile limit limits.timeout); sandbox stopped');
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(sandboxesWith('gobox.profile=tight').length).toBe(0);
  });

  it('reports a memory hog as 137 with the OOM message naming the limit', async () => {
    const dir = makeModule({
      'go.mod': 'module hog\n\ngo 1.22\n',
      'main.go': 'package main\n\nfunc main() {\n\tvar keep [][]byte\n\tfor {\n\t\tb := make([]byte, 1<<20)\n\t\tfor i := range b {\n\t\t\tb[i] = 1\n\t\t}\n\t\tkeep = append(keep, b)\n\t}\n}\n',
    });
    const build = await gobox(['run', 'go', 'build', '-o', 'hog', '.'], { cwd: dir });
    expect(build.code).toBe(0);
    const r = await gobox(['-p', 'tight', 'run', './hog'], { cwd: dir, env });
    expect(r.code).toBe(137);
    expect(r.stderr).toContain("killed: out of memory, the sandbox's memory limit of 96 MiB was reached");
  });

  it('cuts output at the cap with a clear message', async () => {
    const dir = makeModule(HELLO);
    const r = await gobox(['-p', 'tight', 'run', 'sh', '-c', 'yes flood'], { cwd: dir, env });
    expect(r.code).toBe(137);
    expect(r.stdout.length).toBeLessThanOrEqual(64 * 1024);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(r.stderr).toContain('output limit 64 KiB exceeded');
  });

  it('holds the pids limit against a fork bomb', async () => {
    const dir = makeModule(HELLO);
    const r = await gobox(['-p', 'tight', 'run', 'sh', '-c', '( for i in $(seq 200); do sleep 30 & done ) 2>/dev/null; set -- /proc/[0-9]*; echo $#'], { cwd: dir, env });
    // Counted with a glob, a shell builtin: once the limit is reached nothing can fork any more.
    const count = Number(r.stdout.trim().split('\n')[0]);
    expect(count).toBeLessThanOrEqual(64);
    expect(count).toBeGreaterThan(10);
  });
});
