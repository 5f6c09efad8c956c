import { chmodSync, mkdtempSync, mkdirSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineUnavailableError, PolicyError } from '../common/errors.js';
import { ensureRuntimeDir, rootlessRuntimeDir, tmpRuntimeDir } from './runtime-dir.js';

const me = process.getuid?.() ?? 0;

describe('rootless runtime dir without a logind session', () => {
  it('prefers XDG_RUNTIME_DIR, then falls back as Podman does', () => {
    expect(rootlessRuntimeDir({ XDG_RUNTIME_DIR: '/x' }, 7)).toBe('/x');
    expect(rootlessRuntimeDir({ TMPDIR: '/t' }, 4_242_421)).toBe('/t/podman-run-4242421');
  });

  it('makes the fallback private (0700) and accepts it again', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'gobox-rtd-'));
    const env = { TMPDIR: tmp };
    const dir = tmpRuntimeDir(env, me);
    ensureRuntimeDir(dir, env, me);
    ensureRuntimeDir(dir, env, me);
  });

  it('refuses a fallback that is open to others, or a symlink', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'gobox-rtd-'));
    const env = { TMPDIR: tmp };
    const dir = tmpRuntimeDir(env, me);
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o777);
    expect(() => ensureRuntimeDir(dir, env, me)).toThrow(PolicyError);
    const tmp2 = mkdtempSync(path.join(os.tmpdir(), 'gobox-rtd-'));
    const env2 = { TMPDIR: tmp2 };
    symlinkSync(tmp, tmpRuntimeDir(env2, me));
    expect(() => ensureRuntimeDir(tmpRuntimeDir(env2, me), env2, me)).toThrow(/not a directory/);
  });

  it('refuses a fallback another uid made', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'gobox-rtd-'));
    const env = { TMPDIR: tmp };
    mkdirSync(tmpRuntimeDir(env, me + 1), { mode: 0o700 });
    expect(() => ensureRuntimeDir(tmpRuntimeDir(env, me + 1), env, me + 1)).toThrow(`belongs to uid ${me}`);
  });

  it('does not create a missing XDG_RUNTIME_DIR, and says how to go on', () => {
    expect(() => ensureRuntimeDir('/nonexistent/run', {}, me)).toThrow(EngineUnavailableError);
    expect(() => ensureRuntimeDir('/nonexistent/run', {}, me)).toThrow(/XDG_RUNTIME_DIR/);
  });
});
