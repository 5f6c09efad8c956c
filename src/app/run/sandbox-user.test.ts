import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseSandboxUser, NOBODY } from './sandbox-user.js';

const isRoot = process.getuid?.() === 0;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-user-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('chooseSandboxUser', () => {
  it('runs a non-root caller as itself, ignoring SUDO_*', () => {
    expect(chooseSandboxUser({ uid: 1000, gid: 1000 }, '/nonexistent', { SUDO_UID: '5', SUDO_GID: '5' })).toEqual({ uid: 1000, gid: 1000 });
  });

  it('runs root under sudo as the sudo user', () => {
    const u = chooseSandboxUser({ uid: 0, gid: 0 }, '/nonexistent', { SUDO_UID: '1001', SUDO_GID: '1002' });
    expect(u).toMatchObject({ uid: 1001, gid: 1002 });
    expect(u.note).toContain('sudo');
  });

  it.runIf(isRoot)('warns up front when the sudo user cannot write the project', () => {
    const proj = mkdtempSync(path.join(dir, 'proj-'));
    chownSync(proj, 0, 0);
    chmodSync(proj, 0o755);
    const u = chooseSandboxUser({ uid: 0, gid: 0 }, proj, { SUDO_UID: '1001', SUDO_GID: '1002' });
    expect(u.warning).toBe(`the sandbox runs as 1001:1002 (the sudo user), which cannot write in ${proj}: commands that write there (go build -o, go mod tidy) will fail with "permission denied"`);
    chownSync(proj, 1001, 1002);
    expect(chooseSandboxUser({ uid: 0, gid: 0 }, proj, { SUDO_UID: '1001', SUDO_GID: '1002' }).warning).toBeUndefined();
  });

  it.each([
    [{ SUDO_UID: '0', SUDO_GID: '0' }],
    [{ SUDO_UID: 'x', SUDO_GID: '1000' }],
    [{ SUDO_UID: '1000' }],
  ])('ignores unusable sudo variables %j', (env) => {
    const proj = mkdtempSync(path.join(dir, 'userproj-'));
    if (isRoot) chownSync(proj, 12345, 12345);
    const u = chooseSandboxUser({ uid: 0, gid: 0 }, proj, env);
    expect(u.uid).not.toBe(0);
    expect(u.gid).not.toBe(0);
  });

  it.runIf(isRoot)('runs root as the owner of the project', () => {
    const proj = mkdtempSync(path.join(dir, 'proj-'));
    chownSync(proj, 12345, 12345);
    const u = chooseSandboxUser({ uid: 0, gid: 0 }, proj, {});
    expect(u).toMatchObject({ uid: 12345, gid: 12345 });
    expect(u.note).toContain('owner');
  });

  it.runIf(isRoot)('never hands out gid 0 for a project owned by user:root', () => {
    const proj = mkdtempSync(path.join(dir, 'proj-'));
    chownSync(proj, 12345, 0);
    const u = chooseSandboxUser({ uid: 0, gid: 0 }, proj, {});
    expect(u.uid).toBe(12345);
    expect(u.gid).not.toBe(0);
  });

  it.runIf(isRoot)('runs root in a root-owned project as nobody with the project read-only, saying so up front with what to do', () => {
    const proj = mkdtempSync(path.join(dir, 'proj-'));
    chownSync(proj, 0, 0);
    chmodSync(proj, 0o755);
    const u = chooseSandboxUser({ uid: 0, gid: 0 }, proj, {});
    expect({ uid: u.uid, gid: u.gid, projectReadOnly: u.projectReadOnly }).toEqual({ ...NOBODY, projectReadOnly: true });
    expect(u.warning).toBe(`project ${proj} belongs to root and a sandbox never runs as root, so this run is nobody with the project read-only; to build into it, chown it to the user who builds and run gobox as that user, or set GOBOX_USER=uid[:gid]`);
    // Naming the user is root's way out: then the project is mounted as usual.
    expect(chooseSandboxUser({ uid: 0, gid: 0 }, proj, { GOBOX_USER: '1234:1234' }).projectReadOnly).toBeUndefined();
  });

  it.runIf(isRoot)('runs root as the GOBOX_USER it picked, warning up front when that user cannot write the project', () => {
    const proj = mkdtempSync(path.join(dir, 'proj-'));
    chownSync(proj, 0, 0);
    chmodSync(proj, 0o755);
    const nobody = chooseSandboxUser({ uid: 0, gid: 0 }, proj, { GOBOX_USER: 'nobody' });
    expect(nobody).toMatchObject(NOBODY);
    expect(nobody.warning).toContain('cannot write in');
    chownSync(proj, 23000, 23001);
    const picked = chooseSandboxUser({ uid: 0, gid: 0 }, proj, { GOBOX_USER: '23000:23001', SUDO_UID: '5', SUDO_GID: '5' });
    expect(picked).toMatchObject({ uid: 23000, gid: 23001 });
    expect(picked.warning).toBeUndefined();
  });
});

describe('GOBOX_USER', () => {
  it('never picks root, and parses only uid[:gid] or nobody', () => {
    expect(() => chooseSandboxUser({ uid: 0, gid: 0 }, '/nonexistent', { GOBOX_USER: '0' })).toThrow(/never does/);
    expect(() => chooseSandboxUser({ uid: 0, gid: 0 }, '/nonexistent', { GOBOX_USER: '1000:0' })).toThrow(/never does/);
    expect(() => chooseSandboxUser({ uid: 0, gid: 0 }, '/nonexistent', { GOBOX_USER: 'alice' })).toThrow(/not a user gobox understands/);
    expect(chooseSandboxUser({ uid: 0, gid: 0 }, '/nonexistent', { GOBOX_USER: '1000' })).toMatchObject({ uid: 1000, gid: NOBODY.gid });
  });

  it('lets a non-root caller name only themselves', () => {
    expect(chooseSandboxUser({ uid: 1000, gid: 1000 }, '/nonexistent', { GOBOX_USER: '1000' })).toEqual({ uid: 1000, gid: 1000 });
    expect(() => chooseSandboxUser({ uid: 1000, gid: 1000 }, '/nonexistent', { GOBOX_USER: '1001' })).toThrow(/only root may do that/);
  });
});
