import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { loadHostConfig } from './host-config.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gobox-host-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadHostConfig', () => {
  it('uses the defaults when there is no config file', async () => {
    const { file, config } = await loadHostConfig({ GOBOX_SYSTEM_CONFIG_DIR: root });
    expect(file).toBeUndefined();
    expect(config.defaultProfile).toBe('default');
    expect(config.env).toEqual({});
  });

  it('reads GOBOX_CONFIG', async () => {
    const file = path.join(root, 'config.yaml');
    await writeFile(file, 'defaultProfile: classroom\nenv:\n  GOPROXY: https://proxy.corp\n');
    const { file: used, config } = await loadHostConfig({ GOBOX_CONFIG: file });
    expect(used).toBe(file);
    expect(config.defaultProfile).toBe('classroom');
    expect(config.env.GOPROXY).toBe('https://proxy.corp');
  });

  it('reads config.yaml from the system config dir', async () => {
    await writeFile(path.join(root, 'config.yaml'), 'allowedProfiles: [default]\n');
    const { config } = await loadHostConfig({ GOBOX_SYSTEM_CONFIG_DIR: root });
    expect(config.allowedProfiles).toEqual(['default']);
  });

  it('throws a ConfigError naming a bad GOBOX_CONFIG file and field', async () => {
    const file = path.join(root, 'bad.yaml');
    await writeFile(file, 'maxLimits:\n  pids: -3\nsurprise: true\n');
    const err = await loadHostConfig({ GOBOX_CONFIG: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain(`${file}: maxLimits.pids`);
    expect(msg).toContain('surprise');
  });

  it('throws a ConfigError naming a GOBOX_CONFIG file that is not YAML', async () => {
    const file = path.join(root, 'broken.yaml');
    await writeFile(file, 'env: {GOPROXY: [\n');
    const err = await loadHostConfig({ GOBOX_CONFIG: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg.startsWith(`${file}:`)).toBe(true);
    expect(msg.slice(file.length)).toMatch(/^:\d+: not valid YAML/);
  });
});

describe('host config engine:', () => {
  it('selects the kubernetes engine with its defaults', async () => {
    const file = path.join(root, 'k8s.yaml');
    await writeFile(file, 'engine:\n  kind: kubernetes\n  kubeconfig: /etc/gobox/kubeconfig\n  node: n1\n');
    const { config } = await loadHostConfig({ GOBOX_CONFIG: file });
    expect(config.engine).toEqual({ kind: 'kubernetes', kubeconfig: '/etc/gobox/kubeconfig', node: 'n1', namespace: 'gobox', syncLimit: '256m', startTimeout: '60s', imagePullPolicy: 'Never' });
    expect((await loadHostConfig({ GOBOX_SYSTEM_CONFIG_DIR: root })).config.engine).toEqual({ kind: 'docker' });
  });

  it('names the file and the field of a bad engine setting', async () => {
    const file = path.join(root, 'bad-engine.yaml');
    await writeFile(file, 'engine:\n  kind: kubernetes\n  syncLimit: lots\n');
    await expect(loadHostConfig({ GOBOX_CONFIG: file })).rejects.toThrow(new RegExp(`${file}.*engine\\.syncLimit.*size`));
    await writeFile(file, 'engine:\n  kind: nomad\n');
    await expect(loadHostConfig({ GOBOX_CONFIG: file })).rejects.toThrow(/engine\.kind/);
  });
});
