import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProvenanceSchema } from '../../src/app/jail/provenance-schema.js';
import { gobox, profileHome } from '../helpers/gobox.js';
import { COMMIT_EPOCH, copyTo, gitModule, STAMPED } from '../helpers/jail.js';
import { podmanAs, preparePodmanUser } from '../helpers/podman.js';

/** A user with rootless Podman only (no docker group), set up as an administrator would. */
const USER = { name: 'gobox-jl2-p', uid: 24204 };
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Issue 11, point 5: the jail on the user's own rootless Podman. Build and verify work there
 * with the same contract (no network, read-only source, the record beside the outputs), the
 * outputs are the user's (keep-id), and the record names Podman's image id.
 */
describe('gobox jail on rootless Podman', () => {
  let user: { name: string; uid: number; gid: number };
  beforeAll(() => {
    user = preparePodmanUser(USER, 2_420_000);
  }, 600_000);

  it('builds offline with provenance, the outputs are the user\'s, and verify rebuilds the same bytes elsewhere', async () => {
    const dir = gitModule(STAMPED, user);
    // The jail profile requires its limits: where this Podman cannot enforce them (cgroup v1), it
    // refuses in one line naming them, and a profile that accepts best-effort limits builds.
    const strict = await gobox(['jail', 'build', '-o', '/tmp/gobox-it-jl2-strict'], { cwd: dir, user: user.name });
    if (strict.code !== 0) {
      expect(strict.stderr).toMatch(/^gobox: profile jail requires its limits, but rootless podman \S+, cgroup v1, runtime \S+ will not enforce: memory 4g, cpus 2, pids 1024 .*\n$/);
      expect(strict.code).toBe(125);
    }
    const cfg = { XDG_CONFIG_HOME: profileHome({ rjail: 'description: jail, limits best-effort\nnetwork: none\njail: true\nlimits:\n  enforcement: best-effort\n' }, user) };
    const build = await gobox(['--profile', 'rjail', 'jail', 'build'], { cwd: dir, user: user.name, env: cfg });
    expect(build.code, build.stderr).toBe(0);
    const out = path.join(dir, 'out');
    const bin = path.join(out, 'stamped');
    expect(build.stdout).toBe(`${sha256(bin)}  stamped\nprovenance: ${out}/provenance.json\n`);
    for (const f of ['', 'stamped', 'provenance.json']) expect([statSync(path.join(out, f)).uid, statSync(path.join(out, f)).gid]).toEqual([user.uid, user.gid]);
    expect(readdirSync(out).sort()).toEqual(['provenance.json', 'stamped']);
    expect(execFileSync(bin, { encoding: 'utf8' })).toBe('built unset\n');

    const prov = ProvenanceSchema.parse(JSON.parse(readFileSync(path.join(out, 'provenance.json'), 'utf8')));
    const deps = prov.predicate.buildDefinition.resolvedDependencies!;
    // The image the record names is the one in the user's own Podman storage (an independent witness).
    const podmanId = podmanAs(['image', 'inspect', '--format', '{{.Id}}', 'gobox-base:bookworm'], user).trim();
    expect(deps.find((d) => d.name === 'image')?.digest?.sha256).toBe(podmanId.replace(/^sha256:/, ''));
    expect(prov.predicate.buildDefinition.internalParameters).toMatchObject({ goEnv: { CGO_ENABLED: '0', GOPROXY: 'off' }, jail: { network: 'none', env: { SOURCE_DATE_EPOCH: String(COMMIT_EPOCH) } } });

    // The jail's contract holds on Podman too: no network, the source read-only.
    const inside = await gobox(['--profile', 'rjail', 'jail', 'run', '--', 'sh', '-c', 'touch main.go 2>/dev/null && echo wrote || echo ro; cat /sys/class/net/*/operstate 2>/dev/null | wc -l; ls /sys/class/net'], { cwd: dir, user: user.name, env: cfg });
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout).toMatch(/^ro\n\d+\nlo\n$/);

    // Verify from a copy at another path: the same bytes.
    const copy = copyTo(dir, user);
    const v = await gobox(['--profile', 'rjail', 'jail', 'verify', 'out/provenance.json'], { cwd: copy, user: user.name, env: cfg });
    expect(v.stderr).not.toMatch(/MISMATCH|problem/);
    expect(v.stdout).toBe(`rebuilt as uid 65532 in a fresh jail\nok  stamped  ${sha256(bin)}\n`);
    expect(v.code).toBe(0);
  }, 900_000);
});
