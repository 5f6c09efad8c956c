import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../common/errors.js';
import { listProfiles, loadProfile } from './profiles.js';

let root: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gobox-profiles-'));
  env = {
    GOBOX_SYSTEM_CONFIG_DIR: path.join(root, 'etc'),
    XDG_CONFIG_HOME: path.join(root, 'xdg'),
    HOME: path.join(root, 'home'),
  };
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(file: string, text: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

describe('loadProfile', () => {
  it('loads the built-in profiles', async () => {
    const def = await loadProfile('default', env);
    expect(def.layer).toBe('builtin');
    expect(def.profile.jail).toBe(false);
    const cls = await loadProfile('classroom', env);
    expect(cls.profile.limits.enforcement).toBe('required');
    const jail = await loadProfile('jail', env);
    expect(jail.profile.jail).toBe(true);
    expect(jail.profile.network).toBe('none');
    expect(jail.profile.env.CGO_ENABLED).toBe('0');
  });

  it('lets a system profile override a built-in, and a user profile override both', async () => {
    await put(path.join(root, 'etc', 'profiles', 'default.yaml'), 'description: system\n');
    expect((await loadProfile('default', env)).profile.description).toBe('system');
    await put(path.join(root, 'etc', 'profiles', 'x.yaml'), 'description: system x\n');
    const userFile = await put(path.join(root, 'xdg', 'gobox', 'profiles', 'x.yaml'), 'description: user x\n');
    const x = await loadProfile('x', env);
    expect(x.layer).toBe('user');
    expect(x.file).toBe(userFile);
    expect(x.profile.description).toBe('user x');
  });

  it('lists every visible profile once', async () => {
    await put(path.join(root, 'xdg', 'gobox', 'profiles', 'mine.yml'), '{}\n');
    await put(path.join(root, 'xdg', 'gobox', 'profiles', 'notes.txt'), 'ignored\n');
    const names = (await listProfiles(env)).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['classroom', 'default', 'jail', 'mine']));
    expect(names).not.toContain('notes');
    expect(new Set(names).size).toBe(names.length);
  });

  it('refuses an unknown profile and lists the known ones in the hint', async () => {
    const err = await loadProfile('nosuch', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    const e = err as UsageError;
    expect(e.message).toContain('nosuch');
    expect(e.hint).toContain('default');
    expect(e.hint).toContain('classroom');
    expect(e.hint).toContain('jail');
  });

  it('refuses a profile name that is a path', async () => {
    await expect(loadProfile('../etc/passwd', env)).rejects.toBeInstanceOf(UsageError);
  });

  it('names the file and field of a bad user profile', async () => {
    const file = await put(path.join(root, 'xdg', 'gobox', 'profiles', 'bad.yaml'), 'limits:\n  memory: lots\n');
    const err = await loadProfile('bad', env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`${file}: limits.memory: expected a size`);
  });
});
