import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';

describe('files written by the sandbox belong to the caller', () => {
  it('as a non-root user in the docker group: build output and go env -w stay theirs', async () => {
    const user = shared.users[1]!;
    const dir = makeModule(HELLO, user);
    const r = await gobox(['run', 'sh', '-c', 'id -u; id -g; go build -o hello . && go env -w GOFLAGS=-v && go env GOFLAGS'], { cwd: dir, user: user.name });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${user.uid}\n${user.gid}\n-v\n`);
    const st = statSync(path.join(dir, 'hello'));
    expect([st.uid, st.gid]).toEqual([user.uid, user.gid]);
    // `go env -w` wrote into the sandbox's tmpfs HOME: nothing of it survives into the next run.
    const next = await gobox(['run', 'go', 'env', 'GOFLAGS'], { cwd: dir, user: user.name });
    expect(next.stdout).toBe('\n');
  });

  it('as root on a user project: the sandbox runs as the project owner, never as root', async () => {
    const owner = shared.users[0]!;
    const dir = makeModule(HELLO, owner);
    const r = await gobox(['run', 'sh', '-c', 'id -u; touch made-here'], { cwd: dir });
    expect(r.stdout).toBe(`${owner.uid}\n`);
    expect(statSync(path.join(dir, 'made-here')).uid).toBe(owner.uid);
  });

  it("cannot touch another user's files even in its own project tree", async () => {
    const [a, b] = [shared.users[0]!, shared.users[1]!];
    const dir = makeModule({ ...HELLO, 'theirs/secret.txt': 'b only' }, a);
    // The subdirectory belongs to user b and is closed to others.
    const { execFileSync } = await import('node:child_process');
    execFileSync('chown', ['-R', `${b.uid}:${b.gid}`, path.join(dir, 'theirs')]);
    execFileSync('chmod', ['0700', path.join(dir, 'theirs')]);
    const r = await gobox(['run', 'sh', '-c', 'cat theirs/secret.txt; echo rc=$?'], { cwd: dir, user: a.name });
    expect(r.stdout).toBe('rc=1\n');
    expect(r.stderr).toContain('Permission denied');
  });

  it('uses a separate cache volume per user', async () => {
    const [a, b] = [shared.users[0]!, shared.users[1]!];
    const dirA = makeModule(HELLO, a);
    const dirB = makeModule(HELLO, b);
    const ra = await gobox(['run', 'sh', '-c', 'stat -c "%u %a" /gobox/cache'], { cwd: dirA, user: a.name });
    const rb = await gobox(['run', 'sh', '-c', 'stat -c "%u %a" /gobox/cache'], { cwd: dirB, user: b.name });
    expect(ra.stdout).toBe(`${a.uid} 700\n`);
    expect(rb.stdout).toBe(`${b.uid} 700\n`);
    const { execFileSync } = await import('node:child_process');
    const volumes = execFileSync('docker', ['volume', 'ls', '-q', '--filter', 'label=gobox.kind=cache'], { encoding: 'utf8' });
    expect(volumes).toContain(`gobox-cache-${a.uid}`);
    expect(volumes).toContain(`gobox-cache-${b.uid}`);
  });
});
