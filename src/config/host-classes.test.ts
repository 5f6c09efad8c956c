import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { loadHostConfig } from './host-config.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'gobox-host-classes-'));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

async function load(text: string) {
  const file = path.join(root, 'config.yaml');
  await writeFile(file, text);
  return { file, load: () => loadHostConfig({ GOBOX_CONFIG: file }) };
}

describe('host config classes:', () => {
  it('has no graders by default', async () => {
    expect((await loadHostConfig({ GOBOX_SYSTEM_CONFIG_DIR: root })).config.classes).toEqual([]);
  });

  it('reads which group may grade which users and groups', async () => {
    const { load: l } = await load('classes:\n  - group: teachers\n    groups: [students2026]\n  - group: ta\n    users: [alice, bob]\n    classes: [go101]\n');
    expect((await l()).config.classes).toEqual([
      { group: 'teachers', users: [], groups: ['students2026'] },
      { group: 'ta', users: ['alice', 'bob'], groups: [], classes: ['go101'] },
    ]);
  });

  it.each([
    ['classes:\n  - group: teachers\n', 'classes.0: expected users or groups'],
    ['classes:\n  - group: teachers\n    users: [root]\n', 'classes.0.users: root is never graded'],
    ['classes:\n  - group: "bad group"\n    users: [a]\n', 'classes.0.group: expected a unix user or group name'],
    ['classes:\n  - group: t\n    users: [a]\n    classes: [Go101]\n', 'classes.0.classes.0: expected a class name'],
    ['classes:\n  - group: t\n    users: [a]\n    students: [b]\n', 'students'],
  ])('names file and field for %j', async (text, expected) => {
    const { file, load: l } = await load(text);
    const err = await l().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`${file}: `);
    expect((err as Error).message).toContain(expected);
  });
});
