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

  it.each([
    [{ SUDO_UID: '0', SUDO_GID: '0' }],
    [{ SUDO_UID: 'x', SUDO_GID: '1000' }],
    [{ SUDO_UID: '1000' }],
  ])('ignores unusable sudo variables %j', (env) => {
    const proj = mkdtempSync(path.join(dir, 'rootproj-'));
    if (isRoot) chownSync(proj, 0, 0);
    chmodSync(proj, 0o755);
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

  it.runIf(isRoot)('refuses a root-owned project that nobody could read', () => {
    const proj = mkdtempSync(path.join(dir, 'proj-'));
    chownSync(proj, 0, 0);
    expect(() => chooseSandboxUser({ uid: 0, gid: 0 }, proj, {})).toThrow(/belongs to root and is not readable by others/);
  });

  it.runIf(isRoot)('runs root as nobody on a root-owned, world-readable project', () => {
    const proj = mkdtempSync(path.join(dir, 'proj-'));
    chownSync(proj, 0, 0);
    chmodSync(proj, 0o755);
    const u = chooseSandboxUser({ uid: 0, gid: 0 }, proj, {});
    expect(u).toMatchObject(NOBODY);
    expect(u).toMatchObject({ uid: 65534, gid: 65534 });
  });
});
