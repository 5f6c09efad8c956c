import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gobox } from '../helpers/gobox.js';
import { freshShimUser, goboxAs, runAs, userEnv } from '../helpers/shim.js';

const MARK = '# gobox-shim v1';
type Entry = { name: string; reach: string; go?: string; fix?: string };
const entry = (json: string, name: string) => (JSON.parse(json) as { entries: Entry[] }).entries.find((e) => e.name === name)!;

/**
 * `gobox shim install|remove|status` for real users on this Debian host: what is written where,
 * that remove undoes exactly that, which entry paths reach the shim, and every refusal (a file
 * gobox did not write, another go first on PATH, no writable bin dir) leaving nothing behind.
 */
describe('gobox shim install, remove and status', () => {
  it('installs go and gofmt in ~/.local/bin, which a Debian login shell then finds, and remove takes back exactly that', async () => {
    const u = freshShimUser('a', 23750);
    const bin = path.join(u.home, '.local/bin');
    expect(existsSync(bin)).toBe(false);
    const r = await goboxAs(u, ['shim', 'install'], u.home);
    expect(r.code).toBe(0);
    // The shim's client is built (a stored toolchain, on the host) and installed beside them.
    expect(r.stdout).toBe(`installed ${bin}/go, ${bin}/gofmt, ${bin}/.gobox-shim-client\n`);
    expect(execFileSync('stat', ['-c', '%U %a', path.join(bin, '.gobox-shim-client')], { encoding: 'utf8' })).toBe(`${u.name} 755\n`);
    expect(readFileSync(path.join(bin, 'go'), 'utf8')).toContain(`client='${bin}/.gobox-shim-client'`);
    // Not on this (clean) PATH: the one line to add is given.
    expect(r.stderr).toContain(`export PATH='${bin}':"$PATH"`);
    for (const tool of ['go', 'gofmt']) {
      const text = readFileSync(path.join(bin, tool), 'utf8');
      expect(text.split('\n').slice(0, 2)).toEqual(['#!/bin/sh', MARK]);
      expect(execFileSync('stat', ['-c', '%U %a', path.join(bin, tool)], { encoding: 'utf8' })).toBe(`${u.name} 755\n`);
    }
    const record = JSON.parse(readFileSync(path.join(u.home, '.local/state/gobox/shim-record.json'), 'utf8')) as { createdDirs: string[]; files: { path: string }[] };
    // Everything install created, the record's own directories too (skel has no ~/.local).
    const local = path.join(u.home, '.local');
    expect(record.createdDirs.sort()).toEqual([local, bin, `${local}/state`, `${local}/state/gobox`]);
    expect(record.files.map((f) => f.path)).toEqual([`${bin}/go`, `${bin}/gofmt`, `${bin}/.gobox-shim-client`]);

    // Debian's ~/.profile puts ~/.local/bin on PATH once it exists: login shells (and so an
    // editor's gopls) reach the shim; the user's sh reads nothing for an ssh command or systemd.
    const st = await goboxAs(u, ['shim', 'status', '--json'], u.home);
    expect(st.code).toBe(0);
    // Each file as install wrote it, the client's binary too.
    expect((JSON.parse(st.stdout) as { installed: { files: { state: string }[] }[] }).installed[0]?.files.map((f) => f.state)).toEqual(['ok', 'ok', 'ok']);
    expect(entry(st.stdout, 'login shell')).toMatchObject({ reach: 'shim', go: `${bin}/go` });
    expect(entry(st.stdout, 'IDE / gopls')).toMatchObject({ reach: 'shim' });
    expect(entry(st.stdout, 'ssh host go ...').reach).not.toBe('shim');
    expect(entry(st.stdout, 'ssh host go ...').fix).toContain('/etc/environment');
    expect(entry(st.stdout, 'systemd user services').fix).toContain('environment.d');
    // Installing again is an update of gobox's own files, not a conflict.
    expect((await goboxAs(u, ['shim', 'install'], u.home)).code).toBe(0);

    const rm = await goboxAs(u, ['shim', 'remove'], u.home);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toBe(`removed ${bin}/go, ${bin}/gofmt, ${bin}/.gobox-shim-client, ${local}/state/gobox/, ${local}/state/, ${bin}/, ${local}/\n`);
    expect(existsSync(local)).toBe(false);
    expect(existsSync(path.join(u.home, '.local/state/gobox/shim-record.json'))).toBe(false);
    const again = await goboxAs(u, ['shim', 'remove'], u.home);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^nothing to remove: gobox installed no shims/);
  });

  it('reaches ssh commands and non-login bash once the line is at the top of ~/.bashrc, and systemd through environment.d', async () => {
    const u = freshShimUser('b', 23751);
    execFileSync('chsh', ['-s', '/bin/bash', u.name]);
    const bin = path.join(u.home, 'bin-gobox');
    // Not about the shim's client: installed without it (no build).
    expect((await goboxAs(u, ['shim', 'install', '--dir', bin], u.home, { GOBOX_SHIM_CLIENT: 'off' })).code).toBe(0);
    const bashrc = path.join(u.home, '.bashrc');
    writeFileSync(bashrc, `export PATH='${bin}':"$PATH"\n` + readFileSync(bashrc, 'utf8'));
    mkdirSync(path.join(u.home, '.config/environment.d'), { recursive: true });
    writeFileSync(path.join(u.home, '.config/environment.d/60-gobox.conf'), `PATH=${bin}:\${PATH}\n`);
    execFileSync('chown', ['-R', `${u.uid}:${u.gid}`, u.home]);
    const st = await goboxAs(u, ['shim', 'status', '--json'], u.home);
    for (const name of ['non-login interactive bash', 'ssh host go ...', 'systemd user services']) expect(entry(st.stdout, name)).toMatchObject({ reach: 'shim', go: `${bin}/go` });
    // The guard of Debian's ~/.bashrc is after the line: a line below it would not reach ssh.
    expect(readFileSync(bashrc, 'utf8').indexOf(bin)).toBeLessThan(readFileSync(bashrc, 'utf8').indexOf('case $- in'));
    expect((await goboxAs(u, ['shim', 'remove'], u.home)).code).toBe(0);
    // --dir existed before? No: it was created, and is gone again; the user's own files stay.
    expect(existsSync(bin)).toBe(false);
    expect(existsSync(path.join(u.home, '.config/environment.d/60-gobox.conf'))).toBe(true);
  });

  it('never overwrites a go it did not write: one line naming it, non-zero, nothing installed', async () => {
    const u = freshShimUser('c', 23752);
    const bin = path.join(u.home, '.local/bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'go'), '#!/bin/sh\necho my own go\n', { mode: 0o755 });
    execFileSync('chown', ['-R', `${u.uid}:${u.gid}`, path.join(u.home, '.local')]);
    const r = await goboxAs(u, ['shim', 'install'], u.home);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe(`gobox: ${bin}/go already exists (a 25-byte executable) and gobox did not write it; nothing was overwritten or installed; move it away yourself if it should go, or install elsewhere with --dir DIR\n`);
    expect(readFileSync(path.join(bin, 'go'), 'utf8')).toBe('#!/bin/sh\necho my own go\n');
    expect(readdirSync(bin)).toEqual(['go']);
    expect(existsSync(path.join(u.home, '.local/state/gobox/shim-record.json'))).toBe(false);
  });

  it('refuses when another go is first on PATH ahead of the shim directory, and says which', async () => {
    const u = freshShimUser('d', 23753);
    const bin = path.join(u.home, '.local/bin');
    const r = await goboxAs(u, ['shim', 'install'], u.home, { PATH: `/usr/local/go/bin:${bin}:/usr/bin:/bin` });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^gobox: another go is first on PATH: \/usr\/local\/go\/bin\/go comes before .*\/\.local\/bin, so a shim there would never run; nothing was installed; move/);
    expect(existsSync(bin)).toBe(false);
    // With the shim directory first, the same install works, and this PATH reaches the shim.
    const ok = await goboxAs(u, ['shim', 'install'], u.home, { PATH: `${bin}:/usr/local/go/bin:/usr/bin:/bin`, GOBOX_SHIM_CLIENT: 'off' });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    // A second gobox shim in another directory is refused too.
    const twice = await goboxAs(u, ['shim', 'install', '--dir', path.join(u.home, 'other')], u.home, { PATH: `${bin}:/usr/local/go/bin:/usr/bin:/bin` });
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toContain(`gobox's shims are already installed in ${bin}`);
    const doctor = await goboxAs(u, ['doctor', '--json'], u.home, { PATH: `${bin}:/usr/local/go/bin:/usr/bin:/bin` });
    const finding = (JSON.parse(doctor.stdout) as { findings: { check: string; status: string; detail: string }[] }).findings.find((f) => f.check === 'shim');
    expect(finding).toMatchObject({ status: 'ok', detail: expect.stringContaining(`go on this PATH is the shim (${bin}/go)`) });
    const off = await goboxAs(u, ['doctor', '--json'], u.home);
    expect((JSON.parse(off.stdout) as { findings: { check: string; status: string }[] }).findings.find((f) => f.check === 'shim')?.status).toBe('warn');
  });

  it('says when there is no writable bin directory, and creates nothing', async () => {
    const u = freshShimUser('e', 23754);
    const r = await goboxAs(u, ['shim', 'install', '--dir', '/usr/local/lib/gobox-shim-test/bin'], u.home);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^gobox: no writable bin directory: \/usr\/local\/lib is not writable by you, so the shims cannot go in \/usr\/local\/lib\/gobox-shim-test\/bin; name a directory/);
    expect(existsSync('/usr/local/lib/gobox-shim-test')).toBe(false);
    const sys = await goboxAs(u, ['shim', 'install', '--system'], u.home);
    expect(sys.code).not.toBe(0);
    expect(sys.stderr).toMatch(/^gobox: no writable bin directory: /);
  });

  it('system-wide: shims plus a profile.d script that puts them first for login shells; remove leaves other files alone', async () => {
    const root = mkdtempSync('/tmp/gobox-shim-sys-');
    mkdirSync(path.join(root, 'etc/profile.d'), { recursive: true });
    writeFileSync(path.join(root, 'etc/profile.d/other.sh'), 'true\n');
    const env = { GOBOX_SHIM_SYSTEM_ROOT: root };
    const r = await gobox(['shim', 'install', '--system'], { cwd: '/', env });
    expect(r.code).toBe(0);
    const bin = path.join(root, 'usr/local/lib/gobox/bin');
    expect(r.stdout).toBe(`installed ${bin}/go, ${bin}/gofmt, ${root}/etc/profile.d/gobox.sh, ${bin}/.gobox-shim-client\n`);
    expect(execFileSync('stat', ['-c', '%U %a', path.join(bin, '.gobox-shim-client')], { encoding: 'utf8' })).toBe('root 755\n');
    // What a login shell does with the snippet: the shim directory first, once.
    const shPath = execFileSync('sh', ['-c', `. ${root}/etc/profile.d/gobox.sh; . ${root}/etc/profile.d/gobox.sh; echo "$PATH"; command -v go`], { encoding: 'utf8', env: { PATH: '/usr/local/go/bin:/usr/bin:/bin' } });
    expect(shPath).toBe(`${bin}:/usr/local/go/bin:/usr/bin:/bin\n${bin}/go\n`);
    const rm = await gobox(['shim', 'remove', '--system'], { cwd: '/', env });
    expect(rm.code).toBe(0);
    expect(readdirSync(path.join(root, 'etc/profile.d'))).toEqual(['other.sh']);
    expect(existsSync(path.join(root, 'usr'))).toBe(false);
  });

  it('remove keeps a shim the user replaced with their own file, and says so', async () => {
    const u = freshShimUser('f', 23755);
    const bin = path.join(u.home, 'tools');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'keep-me'), 'x');
    execFileSync('chown', ['-R', `${u.uid}:${u.gid}`, bin]);
    expect((await goboxAs(u, ['shim', 'install', '--dir', bin], u.home, { GOBOX_SHIM_CLIENT: 'off' })).code).toBe(0);
    writeFileSync(path.join(bin, 'gofmt'), '#!/bin/sh\necho mine\n');
    const rm = await goboxAs(u, ['shim', 'remove'], u.home);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toBe(`removed ${bin}/go, ${u.home}/.local/state/gobox/, ${u.home}/.local/state/, ${u.home}/.local/\n`);
    expect(rm.stderr).toBe(`gobox: kept ${bin}/gofmt: it was replaced by a file gobox did not write\n`);
    // The directory was there before install: it stays, with the user's files.
    expect(readdirSync(bin).sort()).toEqual(['gofmt', 'keep-me']);
    // And the shim of a removed installation is not left on disk as a trap: `go` is gone.
    expect((await runAs(u, ['sh', '-c', 'command -v go || echo none'], u.home, userEnv(u, { PATH: `${bin}:/usr/bin:/bin` }))).stdout).toBe('none\n');
  });
});
