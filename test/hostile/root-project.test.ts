import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule } from '../helpers/gobox.js';
import { ensureTestUser } from '../helpers/users.js';

/**
 * Issue 8, point 11: root in a root-owned project (a CI job in a container, an admin's
 * checkout). A sandbox never runs as root, and no other user can write there, so the run is
 * nobody with the project read-only, and gobox says so (and what to do) before anything starts,
 * instead of a bare "permission denied" from the compiler.
 */
/** A checkout as git or a CI runner leaves it: root's, readable by all. */
function rootProject(): string {
  const dir = makeModule(HELLO, 'root');
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  return dir;
}

describe('root on a root-owned project', () => {
  // The per-user networks these runs made (removal fails, harmlessly, while a sandbox uses one).
  afterAll(() => {
    execFileSync('sh', ['-c', 'docker network rm gobox-net-65534 gobox-net-23602 >/dev/null 2>&1; true']);
  });

  it('says up front, in one line, why a write will fail and what to do; reading works', async () => {
    const dir = rootProject();
    const notice =
      `gobox: warning: project ${dir} belongs to root and a sandbox never runs as root, so this run is nobody with the project read-only; ` +
      'to build into it, chown it to the user who builds and run gobox as that user, or set GOBOX_USER=uid[:gid]\n';
    // nobody's cache is made on its first run, which says so: make it first, so only the line is left.
    expect((await gobox(['run', 'true'], { cwd: dir })).code).toBe(0);
    const read = await gobox(['run', 'sh', '-c', 'id -u; go version >/dev/null && go vet . && echo read-ok'], { cwd: dir });
    expect({ code: read.code, stdout: read.stdout, stderr: read.stderr }).toEqual({ code: 0, stdout: '65534\nread-ok\n', stderr: notice });
    const write = await gobox(['run', 'go', 'build', '-o', 'x', '.'], { cwd: dir });
    expect(write.code).not.toBe(0);
    // The line comes first, before anything the compiler says; the write fails at once.
    expect(write.stderr.startsWith(notice)).toBe(true);
    expect(write.stderr).toContain('read-only file system');
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('runs as the user root picks with GOBOX_USER, and warns before the run when that user cannot write', async () => {
    const dir = rootProject();
    const ro = await gobox(['run', 'sh', '-c', 'id -u; go vet .'], { cwd: dir, env: { GOBOX_USER: 'nobody' } });
    expect(ro.code).toBe(0);
    expect(ro.stdout).toBe('65534\n');
    expect(ro.stderr).toContain(`gobox: warning: the sandbox runs as 65534:65534 (GOBOX_USER), which cannot write in ${dir}`);

    // A build user of root's choosing, given the project: its outputs are its own, no warning.
    const builder = { name: 'gobox-net-build', uid: 23602 };
    ensureTestUser(builder, { docker: false });
    execFileSync('chown', ['-R', `${builder.uid}:${builder.uid}`, dir]);
    const rw = await gobox(['run', 'go', 'build', '-o', 'x', '.'], { cwd: dir, env: { GOBOX_USER: `${builder.uid}:${builder.uid}` } });
    expect(rw.code, rw.stderr).toBe(0);
    expect(rw.stderr).not.toContain('warning');
    expect(statSync(path.join(dir, 'x')).uid).toBe(builder.uid);
  });
});
