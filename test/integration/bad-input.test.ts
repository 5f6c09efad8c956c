import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule, profileHome, type GoboxResult } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';

/** Every refusal is exactly one line on stderr, exit 125, and nothing on stdout. */
function expectOneLineError(r: GoboxResult, ...parts: string[]): void {
  expect(r.code).toBe(125);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^gobox: /);
  for (const p of parts) expect(lines[0]).toContain(p);
}

function ownedSandboxes(uid: number): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=gobox.owner=${uid}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('bad input ends in one clear line and leaves nothing behind', () => {
  const owner = shared.users[0]!;
  // Only sandboxes that appear during a test count: other work may run on the shared engine.
  let before: Set<string>;
  beforeEach(() => {
    before = new Set(ownedSandboxes(owner.uid));
  });
  afterEach(() => {
    expect(ownedSandboxes(owner.uid).filter((id) => !before.has(id))).toEqual([]);
    // No half-installed toolchain: only complete go1.* dirs in the store (beside its locks and manifests).
    const entries = readdirSync(path.join(shared.stateDir, 'toolchains')).filter((e) => !e.startsWith('.lock') && e !== '.manifests');
    expect(entries.every((e) => /^go\d/.test(e))).toBe(true);
  });

  it('unknown profile', async () => {
    const r = await gobox(['-p', 'nope', 'run', 'go', 'version'], { cwd: makeModule(HELLO) });
    expectOneLineError(r, "unknown profile 'nope'", 'known profiles: classroom, default, jail');
  });

  it('malformed profile', async () => {
    const home = profileHome({ broken: 'network: sometimes\nlimits:\n  timeout: soon\n' });
    const r = await gobox(['-p', 'broken', 'run', 'go', 'version'], { cwd: makeModule(HELLO), env: { XDG_CONFIG_HOME: home } });
    expectOneLineError(r, `${home}/gobox/profiles/broken.yaml: network:`, 'limits.timeout: expected a duration');
  });

  it('malformed go.mod', async () => {
    const r = await gobox(['run', 'go', 'version'], { cwd: makeModule({ ...HELLO, 'go.mod': 'module x\n\ngo banana\n' }) });
    expectOneLineError(r, "go.mod:3: invalid go version 'banana'");
  });

  it('a go.mod asking for a Go that is not installed names the version and the install command', async () => {
    const r = await gobox(['run', 'go', 'version'], { cwd: makeModule({ ...HELLO, 'go.mod': 'module x\n\ngo 1.99\n' }) });
    expectOneLineError(r, '1.99', 'gobox toolchain install 1.99');
  });

  it('engine down', async () => {
    const r = await gobox(['run', 'go', 'version'], { cwd: makeModule(HELLO), env: { DOCKER_HOST: 'unix:///tmp/gobox-no-engine.sock' } });
    expectOneLineError(r, 'no container engine answered', 'DOCKER_HOST (unix:///tmp/gobox-no-engine.sock): no socket');
  });

  it('image missing and not buildable here', async () => {
    const home = profileHome({ otherimg: 'image: example.invalid/not-here:1\n' });
    const r = await gobox(['-p', 'otherimg', 'run', 'go', 'version'], { cwd: makeModule(HELLO), env: { XDG_CONFIG_HOME: home } });
    expectOneLineError(r, 'sandbox image example.invalid/not-here:1 is missing');
  });

  it("gobox's own image missing, and the user can neither debootstrap nor pull", async () => {
    const home = profileHome({ otherbase: 'image: gobox-base:never-built\n' }, owner);
    const r = await gobox(['-p', 'otherbase', 'run', 'go', 'version'], { cwd: makeModule(HELLO), env: { XDG_CONFIG_HOME: home }, user: owner.name });
    expect(r.code).toBe(125);
    const last = r.stderr.trimEnd().split('\n').pop()!;
    expect(last).toContain('cannot build sandbox image gobox-base:never-built');
    expect(last).toContain('sudo gobox image build --offline');
    expect(execFileSync('docker', ['images', '-q', 'gobox-base:never-built'], { encoding: 'utf8' }).trim()).toBe('');
  });

  it('project directory unreadable', async () => {
    const dir = makeModule(HELLO);
    chmodSync(dir, 0o311);
    const r = await gobox(['run', 'go', 'version'], { cwd: dir, user: owner.name });
    expectOneLineError(r, `project directory ${dir} is not readable: EACCES`);
  });

  it('command not found in the sandbox is 127 with one line', async () => {
    const r = await gobox(['run', 'gcc-that-is-not-there'], { cwd: makeModule(HELLO) });
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('gobox: gcc-that-is-not-there: command not found in the sandbox\n');
  });

  it('no command given', async () => {
    const r = await gobox(['run'], { cwd: makeModule(HELLO) });
    expectOneLineError(r, 'no command given');
  });
});
