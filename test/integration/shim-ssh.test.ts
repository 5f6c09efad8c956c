import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shared } from '../helpers/env.js';
import { freshUser, goboxAs, type ShimUser } from '../helpers/shim.js';
import { startPrivateSshd, type PrivateSshd } from '../helpers/sshd.js';

interface Entry { name: string; reach: string; go?: string; fix?: string }
const sshEntry = (json: string) => (JSON.parse(json) as { entries: Entry[] }).entries.find((e) => e.name === 'ssh host go ...')!;

/** Sandboxes (not helpers) the engine created for this uid between two moments: "toolchain command" each. */
function sandboxesCreated(uid: number, since: number, until: number): string[] {
  const out = execFileSync('docker', ['events', '--since', String(since), '--until', String(until), '--filter', 'event=create', '--filter', `label=gobox.owner=${uid}`, '--filter', 'label=gobox.kind=sandbox',
    '--format', '{{index .Actor.Attributes "gobox.toolchain"}} {{index .Actor.Attributes "gobox.command"}}'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * Issue 12: a non-interactive `ssh host go version` reaches the shim, on a real sshd (Debian's
 * openssh-server, a private one on a loopback port) with a real key login of a bash user, set up
 * the way `gobox shim status` says (its PATH line at the very top of ~/.bashrc, above Debian's
 * interactive guard), and `gobox shim status` predicts what the real sshd does, before and after.
 */
describe('ssh host go ... through the shim', () => {
  let u: ShimUser;
  let sshd: PrivateSshd;
  let bin: string;

  beforeAll(async () => {
    u = freshUser('gobox-sh2-ssh', 24250, '/bin/bash');
    bin = path.join(u.home, '.local/bin');
    const r = await goboxAs(u, ['shim', 'install'], u.home);
    expect(r.code, r.stderr).toBe(0);
    // The home is the project of a command run there: it asks for the older Go, which no go on the host's PATH is.
    writeFileSync(path.join(u.home, '.go-version'), `${shared.goOld}\n`);
    execFileSync('chown', [`${u.uid}:${u.gid}`, path.join(u.home, '.go-version')]);
    // The harness's state dir comes with the session (sshd's SetEnv); the PATH under test does not.
    sshd = await startPrivateSshd([u.name], { GOBOX_STATE_DIR: shared.stateDir, GOBOX_AGENT: 'off', NO_COLOR: '1' });
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  it('finds no go over ssh with Debian\'s skeleton ~/.bashrc, as shim status says', async () => {
    const st = await goboxAs(u, ['shim', 'status', '--json'], u.home);
    expect(sshEntry(st.stdout)).toMatchObject({ reach: 'none' });
    const r = await sshd.ssh(u.name, ['go', 'version']);
    expect(r.code, `${r.stderr}\n${sshd.log()}`).toBe(127);
    expect(r.stderr).toContain('go: command not found');
  });

  it('runs go version in a sandbox over ssh once the line shim status names tops ~/.bashrc', async () => {
    const before = await goboxAs(u, ['shim', 'status', '--json'], u.home);
    const fix = sshEntry(before.stdout).fix ?? '';
    const line = /^put (.+) at the very top of ~\/\.bashrc/.exec(fix)?.[1];
    expect(line, fix).toBe(`export PATH='${bin}':"$PATH"`);
    const bashrc = path.join(u.home, '.bashrc');
    writeFileSync(bashrc, `${line}\n${readFileSync(bashrc, 'utf8')}`);
    const after = await goboxAs(u, ['shim', 'status', '--json'], u.home);
    expect(sshEntry(after.stdout)).toMatchObject({ reach: 'shim', go: `${bin}/go` });

    const since = now() - 1;
    const r = await sshd.ssh(u.name, ['go', 'version']);
    expect(r.code, `${r.stderr}\n${sshd.log()}`).toBe(0);
    // The older Go that .go-version asks for: gobox chose it, and no go on the host's PATH is it.
    expect(r.stdout).toBe(`go version go${shared.goOld} linux/amd64\n`);
    const created = sandboxesCreated(u.uid, since, now() + 1);
    expect(created).toEqual([`${shared.goOld} go version`]);

    // The sandbox's view: its toolchain at /usr/local/go and the user's cache volume, not the host's ~/.cache.
    const env = await sshd.ssh(u.name, ['go', 'env', 'GOROOT', 'GOCACHE']);
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).toBe('/usr/local/go\n/gobox/cache/build\n');
    // The command's own exit status comes back through ssh.
    const bad = await sshd.ssh(u.name, ['go', 'nosuchcommand']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('go nosuchcommand: unknown command');
  });
});
