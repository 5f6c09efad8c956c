import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { HELLO, makeModule } from '../helpers/gobox.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

/** The daemon runs as root: a version file that points at a root-only file must not be read for the user. */
describe('daemon: version files are read as the user', () => {
  let d: TestDaemon;
  const a = shared.users[0]!;
  const secret = readFileSync('/etc/shadow', 'utf8').split('\n')[0]!;
  beforeAll(async () => {
    d = await startTestDaemon([a.name]);
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('a .go-version symlinked to /etc/shadow reveals nothing and is treated as absent', async () => {
    const dir = makeModule(HELLO, a);
    symlinkSync('/etc/shadow', path.join(dir, '.go-version'));
    const r = await d.run(a.name, ['run', 'go', 'version'], { cwd: dir });
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toContain('root:');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`go${shared.goNew}`);
  });

  it('a go.mod symlinked to /etc/shadow is refused without its content', async () => {
    const dir = makeModule({ 'main.go': HELLO['main.go'] }, a);
    symlinkSync('/etc/shadow', path.join(dir, 'go.mod'));
    const r = await d.run(a.name, ['run', 'go', 'version'], { cwd: dir });
    expect(r.code).toBe(125);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toContain('root:');
    expect(r.stderr).toContain(`cannot read ${path.join(dir, 'go.mod')}`);
  });
});
