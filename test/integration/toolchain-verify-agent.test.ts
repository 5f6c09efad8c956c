import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pids } from '../helpers/agent.js';
import { gobox, makeModule, waitFor } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';
import { MINI_VERSION, mountsUnder, useVerifyFixtures } from '../helpers/verify-store.js';

/**
 * The user's warm agent keeps a toolchain it proved under inotify watches and skips the stat
 * pass while they stay quiet (toolchain/mount-watch.ts). A change made as root under it must
 * still be refused by the very next run through that agent, and a repaired toolchain must run.
 * The user's own store in a state dir of this file's own, so no other test's toolchain is touched.
 */
const fx = useVerifyFixtures();
const NAME = `go${MINI_VERSION}`;
const USER = { name: 'gobox-store-w', uid: 23802 };
/** The store root, its manifest dir, the GOROOT and its 6 dirs (bin, src, src/fmt, pkg, pkg/tool, pkg/tool/linux_amd64). */
const WATCHES = 9;

/**
 * The inotify watches a process holds, as the kernel lists them: their descriptors, which the
 * kernel never hands out twice in a row, so the same list later means the same watches kept.
 */
function watchesOf(pid: number): number[] {
  const dir = `/proc/${pid}/fdinfo`;
  const wds = readdirSync(dir).flatMap((fd) => [...readFileSync(path.join(dir, fd), 'utf8').matchAll(/^inotify wd:([0-9a-f]+) /gm)].map((m) => parseInt(m[1]!, 16)));
  return wds.sort((a, b) => a - b);
}

describe("a toolchain changed under the user's warm agent", () => {
  let state = '';
  let project = '';
  const agents = () => pids('bin.js agent', USER.uid);
  const asUser = (args: string[]) => gobox(args, { cwd: project, user: USER.name, env: { GOBOX_STATE_DIR: state, GOBOX_AGENT: 'on', GOBOX_AGENT_IDLE: '120s' } });
  const runGo = () => asUser(['--go', MINI_VERSION, 'run', 'go', 'version']); // the form the agent serves
  const stopAgents = async () => {
    const running = agents();
    for (const pid of running) process.kill(pid, 'SIGTERM');
    await waitFor(() => !agents().some((p) => running.includes(p)), 20_000);
    rmSync(`/tmp/gobox-agent-${USER.uid}`, { recursive: true, force: true });
  };

  beforeAll(async () => {
    ensureTestUser(USER, { docker: true });
    const id = (flag: string) => Number(execFileSync('id', [flag, USER.name], { encoding: 'utf8' }).trim());
    await stopAgents();
    state = fx.newState();
    chownSync(state, USER.uid, id('-g'));
    project = makeModule({ 'go.mod': 'module example.com/w\n\ngo 1.19\n' }, { uid: USER.uid, gid: id('-g') });
    const r = await asUser(['toolchain', 'import', fx.src()]);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await stopAgents();
    execFileSync('docker', ['volume', 'rm', '-f', `gobox-cache-${USER.uid}`], { stdio: 'ignore' });
    for (const m of mountsUnder(state)) execFileSync('umount', ['-l', m]);
    rmSync(project, { recursive: true, force: true });
  });

  it('refuses the next run through the same agent after each change, and runs again once repaired', async () => {
    const goroot = path.join(state, 'toolchains', NAME);
    const refusal = new RegExp(`^gobox: ${NAME} in ${state}/toolchains changed since it was installed \\((.+)\\); refusing to mount it; `);
    const first = await runGo(); // direct, and starts the agent
    expect(first.code, first.stderr).toBe(0);
    const agent = await waitFor(() => agents()[0], 30_000);
    await waitFor(() => readdirSync(`/tmp/gobox-agent-${USER.uid}`).some((f) => f.endsWith('.sock')), 30_000);

    const changes: [string, RegExp, () => void][] = [
      ['a mode', /^VERSION: mode changed$/, () => chmodSync(path.join(goroot, 'VERSION'), 0o600)],
      [
        'content, mtime put back',
        /^src\/fmt\/print\.go: modified or its metadata changed$/,
        () => {
          const f = path.join(goroot, 'src', 'fmt', 'print.go');
          // touch -r keeps the nanoseconds: only the ctime (and the hash) can tell.
          const ref = `${state}.ref`;
          execFileSync('touch', ['-r', f, ref]);
          writeFileSync(f, readFileSync(f, 'utf8').replace('package fmt', 'package fmx'));
          execFileSync('touch', ['-r', ref, f]);
          rmSync(ref);
        },
      ],
      ['a file added', /^pkg\/tool\/linux_amd64: entries added or removed$/, () => writeFileSync(path.join(goroot, 'pkg', 'tool', 'linux_amd64', 'vet'), '#!/bin/sh\n')],
    ];
    for (const [what, why, change] of changes) {
      // Served twice by the agent: the second one from the watches the first one armed.
      const armed: number[][] = [];
      for (let i = 0; i < 2; i++) {
        const ok = await runGo();
        expect(ok.code, `${what}: ${ok.stderr}`).toBe(0);
        expect(ok.stdout).toMatch(new RegExp(`^go version go${MINI_VERSION.replace(/\./g, '\\.')} linux/`));
        armed.push(watchesOf(agent));
      }
      expect(armed[0], what).toHaveLength(WATCHES);
      expect(armed[1], what).toEqual(armed[0]);
      change(); // as root
      const refused = await runGo();
      expect(refused.code, what).toBe(125);
      expect(refused.stdout).toBe('');
      expect(refused.stderr.trimEnd().split('\n'), what).toHaveLength(1);
      expect(refused.stderr).toMatch(refusal);
      expect(refusal.exec(refused.stderr)![1], what).toMatch(why);
      // Refused again: no proof, and no watch, is kept for a tree that failed its pass.
      expect((await runGo()).code, what).toBe(125);
      await waitFor(() => watchesOf(agent).length === 0, 5_000);
      const fixed = await asUser(['toolchain', 'verify', '--repair', MINI_VERSION]);
      expect(fixed.code, `${what}: ${fixed.stderr}`).toBe(0);
    }
    const ok = await runGo();
    expect(ok.code, ok.stderr).toBe(0);
    // All of it through the one agent.
    expect(agents()).toEqual([agent]);
    const log = readdirSync(`/tmp/gobox-agent-${USER.uid}`).filter((f) => f.endsWith('.log')).map((f) => readFileSync(`/tmp/gobox-agent-${USER.uid}/${f}`, 'utf8')).join('');
    expect(log.match(/served run \w+: exit 0/g)?.length).toBe(7);
  });
});
