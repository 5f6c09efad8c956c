import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProvenanceSchema } from '../../src/app/jail/provenance-schema.js';
import { gobox } from '../helpers/gobox.js';
import { copyTo, gitModule } from '../helpers/jail.js';
import { ensureTestUser } from '../helpers/users.js';

const USERS = [{ name: 'gobox-jl2-c', uid: 24202 }, { name: 'gobox-jl2-d', uid: 24203 }];
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A program whose every Go file imports "C": without cgo there is nothing left to build. */
const CGO = {
  'go.mod': 'module example.com/cgohello\n\ngo 1.19\n',
  'main.go': 'package main\n\n/*\nstatic int twice(int x) { return 2 * x; }\n*/\nimport "C"\n\nimport "fmt"\n\nfunc main() { fmt.Println("twice 21 is", C.twice(21)) }\n',
};

/**
 * A cgo program that records where it was built: cgo expands ${SRCDIR} in its flags, gcc's
 * __FILE__ of a header found through that -I is absolute, and -trimpath does not reach either.
 */
const WHERE = {
  'go.mod': 'module example.com/where\n\ngo 1.19\n',
  'inc/where.h': 'static const char* where(void) { return __FILE__; }\n',
  'main.go': 'package main\n\n// #cgo CFLAGS: -I${SRCDIR}/inc\n// #include <where.h>\nimport "C"\n\nimport "fmt"\n\nfunc main() { fmt.Println(C.GoString(C.where())) }\n',
};

/**
 * Issue 11, point 1: CGO_ENABLED=0 unless the profile pins a C toolchain. The image carries gcc
 * and libc6-dev; a profile with `cToolchain: gcc` builds with cgo, and its provenance names the
 * compiler (its --version line) and the Debian package versions. Without it, a cgo package is
 * refused in one line that says why.
 */
describe('gobox jail: cgo with a pinned C toolchain', () => {
  let users: { name: string; uid: number; gid: number }[];
  let sysDir: string;
  beforeAll(() => {
    users = USERS.map((u) => {
      ensureTestUser(u);
      return { ...u, gid: Number(execFileSync('id', ['-g', u.name], { encoding: 'utf8' }).trim()) };
    });
    // An admin's profile that pins gcc (the image carries it), readable by the test users.
    sysDir = mkdtempSync('/tmp/gobox-it-jl2-sys-');
    chmodSync(sysDir, 0o755);
    mkdirSync(path.join(sysDir, 'profiles'), { mode: 0o755 });
    writeFileSync(path.join(sysDir, 'profiles', 'cjail.yaml'), 'description: jail with gcc\nimage: gobox-base:bookworm\nnetwork: none\njail: true\ncToolchain: gcc\n', { mode: 0o644 });
  });

  it('refuses a cgo package in the default jail in one line, saying why', async () => {
    const dir = gitModule(CGO, users[0]!);
    const r = await gobox(['jail', 'build'], { cwd: dir, user: users[0]!.name, env: { GOBOX_SYSTEM_CONFIG_DIR: sysDir } });
    expect(r.stderr).toMatch(/^gobox: the jail builds with CGO_ENABLED=0, and every Go file in \S+ is left out by that \(a cgo package, import "C"\); build it with a profile that pins a C toolchain \(cToolchain: gcc\)\n$/);
    expect(r.code).toBe(125);
  }, 600_000);

  it('builds with cgo under a profile that pins gcc, names the C toolchain in provenance, and verifies as another user elsewhere', async () => {
    const [c, d] = [users[0]!, users[1]!];
    const dir = gitModule(CGO, c);
    const env = { GOBOX_SYSTEM_CONFIG_DIR: sysDir };
    const build = await gobox(['jail', 'build', '--profile', 'cjail'], { cwd: dir, user: c.name, env });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const bin = path.join(dir, 'out', 'cgohello');
    expect(execFileSync(bin, { encoding: 'utf8' })).toBe('twice 21 is 42\n');

    const prov = ProvenanceSchema.parse(JSON.parse(readFileSync(path.join(dir, 'out', 'provenance.json'), 'utf8')));
    expect(prov.subject).toEqual([{ name: 'cgohello', digest: { sha256: sha256(bin) } }]);
    const def = prov.predicate.buildDefinition;
    const deps = def.resolvedDependencies!;
    // The compiler as the jail saw it, checked against the image by an independent witness.
    const witness = execFileSync('docker', ['run', '--rm', '--network', 'none', 'gobox-base:bookworm', 'sh', '-c', 'gcc --version | head -n 1; dpkg-query -W -f "\\${Version}\\n" gcc libc6-dev'], { encoding: 'utf8' }).split('\n');
    expect(deps).toContainEqual({ name: 'c-toolchain', uri: 'pkg:generic/gcc', annotations: { versionLine: witness[0], CC: 'gcc' } });
    expect(deps).toContainEqual({ name: 'c-toolchain:gcc', uri: `pkg:deb/debian/gcc@${encodeURIComponent(witness[1]!)}` });
    expect(deps).toContainEqual({ name: 'c-toolchain:libc6-dev', uri: `pkg:deb/debian/libc6-dev@${encodeURIComponent(witness[2]!)}` });
    expect(def.internalParameters).toMatchObject({
      goEnv: { CGO_ENABLED: '1', CC: 'gcc' },
      jail: { cgo: { compiler: 'gcc', versionLine: witness[0] }, env: { CGO_ENABLED: '1', CC: 'gcc' } },
    });

    // Another user, another path: verify rebuilds with the same profile and gets the same bytes.
    const copy = copyTo(dir, d);
    const v = await gobox(['jail', 'verify', 'out/provenance.json', '--profile', 'cjail', '--json'], { cwd: copy, user: d.name, env });
    expect(v.stderr).toBe('');
    const report = JSON.parse(v.stdout) as { ok: boolean; problems: string[]; rebuiltAs: { uid: number }; subjects: { match: boolean; causes: string[] }[] };
    expect(report.problems).toEqual([]);
    expect(report.rebuiltAs.uid).not.toBe(d.uid);
    expect(report.subjects.map((s) => [s.match, s.causes])).toEqual([[true, []]]);
    expect(v.code).toBe(0);

    // Rebuilt without the C toolchain (the default jail): refused, naming cgo.
    const off = await gobox(['jail', 'verify', 'out/provenance.json'], { cwd: copy, user: d.name, env });
    expect(off.code).toBe(125);
    expect(off.stderr).toMatch(/^gobox: the jail builds with CGO_ENABLED=0/);
  }, 900_000);

  it('fails verify for a cgo program that records its build path, naming the first differing section', async () => {
    const [c, d] = [users[0]!, users[1]!];
    const env = { GOBOX_SYSTEM_CONFIG_DIR: sysDir };
    const dir = gitModule(WHERE, c);
    const build = await gobox(['jail', 'build', '--profile', 'cjail'], { cwd: dir, user: c.name, env });
    expect([build.code, build.stderr]).toEqual([0, '']);
    const bin = path.join(dir, 'out', 'where');
    const builtAt = execFileSync(bin, { encoding: 'utf8' });
    // Rebuilt by another user from a copy at another path: the C flags, and so the bytes, differ.
    const copy = copyTo(dir, d);
    const v = await gobox(['jail', 'verify', 'out/provenance.json', '--profile', 'cjail'], { cwd: copy, user: d.name, env });
    expect(v.code, v.stderr).toBe(1);
    expect(v.stdout).toContain(`MISMATCH  where  ${sha256(bin)}\n`);
    // Same build settings (go version -m), so the cause is named by the bytes: a section with content.
    expect(v.stdout).toContain('  go version -m shows the same build settings for both');
    // The C flags reach the bytes (a section with content), or at least the C linker's build ID,
    // which Go derives from its inputs, source dirs included.
    expect(v.stdout).toMatch(/ {2}first difference: section (\.(?!note\.)\S+|\.note\.gnu\.build-id \(only the build ID\))\n/);
    expect(builtAt).toMatch(/^\/\S+\/inc\/where\.h\n$/);
  }, 900_000);
});
