import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProvenanceSchema } from '../../src/app/jail/provenance-schema.js';
import { gobox } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { gitModule, jailUsers, STAMPED } from '../helpers/jail.js';

/** Issue 11: provenance of a build with Go 1.19 names 1.19, and verifies only with 1.19 installed. */
describe('gobox jail with two toolchains', () => {
  let users: { name: string; uid: number; gid: number }[];
  beforeAll(() => {
    users = jailUsers();
  });

  it('a Go 1.19 build names go1.19 in its provenance and verifies with it, and not without it', async () => {
    const a = users[0]!;
    const dir = gitModule(STAMPED, a);
    const build = await gobox(['jail', 'build', '--go', shared.goOld], { cwd: dir, user: a.name });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const bin = path.join(dir, 'out', 'stamped');
    expect(execFileSync('/usr/local/go/bin/go', ['version', bin], { encoding: 'utf8' })).toBe(`${bin}: go${shared.goOld}\n`);
    const prov = ProvenanceSchema.parse(JSON.parse(readFileSync(path.join(dir, 'out', 'provenance.json'), 'utf8')));
    const deps = prov.predicate.buildDefinition.resolvedDependencies!;
    expect(deps.find((d) => d.name === 'toolchain')?.uri).toBe(`pkg:golang/toolchain@go${shared.goOld}`);
    expect(deps.find((d) => d.name === 'toolchain')?.digest?.dirHash).toMatch(/^h1:/);
    expect(prov.predicate.buildDefinition.internalParameters).toMatchObject({ goEnv: { GOVERSION: `go${shared.goOld}` } });

    const ok = await gobox(['jail', 'verify', 'out/provenance.json'], { cwd: dir, user: a.name });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^rebuilt as uid 65532 in a fresh jail\nok {2}stamped {2}[0-9a-f]{64}\n$/);
    expect(ok.code).toBe(0);

    // A host whose store lacks 1.19 (an empty store here) cannot verify it, and says what to install.
    const empty = mkdtempSync('/tmp/gobox-it-jailstore-');
    execFileSync('chmod', ['755', empty]);
    const missing = await gobox(['jail', 'verify', 'out/provenance.json'], { cwd: dir, user: a.name, env: { GOBOX_STATE_DIR: empty } });
    expect(missing.stderr).toBe(
      `gobox: toolchain go${shared.goOld} named in ${path.join(dir, 'out', 'provenance.json')} is not installed; install it: gobox toolchain install ${shared.goOld} (or gobox toolchain import a GOROOT of go${shared.goOld})\n`,
    );
    expect(missing.code).toBe(125);
  }, 600_000);
});
