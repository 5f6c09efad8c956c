import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolchainError } from '../common/errors.js';
import { systemToolchainsDir } from '../common/paths.js';
import { ToolchainStores } from './stores.js';

/** A GOROOT as list() sees it: a go1.X.Y dir with a runnable bin/go. */
function fakeGoroot(store: string, version: string): void {
  mkdirSync(path.join(store, 'toolchains', `go${version}`, 'bin'), { recursive: true });
  writeFileSync(path.join(store, 'toolchains', `go${version}`, 'bin', 'go'), '#!/bin/sh\n', { mode: 0o755 });
}

describe('ToolchainStores: the system store first, then the caller\'s own', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gobox-stores-'));
  const sys = path.join(tmp, 'sys');
  const own = path.join(tmp, 'own');
  fakeGoroot(sys, '1.26.0');
  fakeGoroot(own, '1.26.0');
  fakeGoroot(own, '1.19.8');
  const env = { GOBOX_STATE_DIR: own, GOBOX_SYSTEM_STATE_DIR: sys };

  it("lists both, a version in both as the system's copy, and where each comes from", async () => {
    expect(await new ToolchainStores(env).list()).toEqual([
      { version: '1.26.0', name: 'go1.26.0', path: path.join(sys, 'toolchains', 'go1.26.0'), store: 'system' },
      { version: '1.19.8', name: 'go1.19.8', path: path.join(own, 'toolchains', 'go1.19.8'), store: 'user' },
    ]);
  });

  it("refuses to remove the system store's toolchain for a user", async () => {
    const only = path.join(tmp, 'empty');
    await expect(new ToolchainStores({ GOBOX_STATE_DIR: only, GOBOX_SYSTEM_STATE_DIR: sys }).remove('1.26.0')).rejects.toThrow(ToolchainError);
    await expect(new ToolchainStores({ GOBOX_STATE_DIR: only, GOBOX_SYSTEM_STATE_DIR: sys }).remove('1.26.0')).rejects.toThrow(/only an administrator changes/);
  });

  it('reads no second store when the caller is root on the system store, or GOBOX_STATE_DIR alone is set', () => {
    expect(systemToolchainsDir({ GOBOX_STATE_DIR: sys, GOBOX_SYSTEM_STATE_DIR: sys })).toBeUndefined();
    expect(systemToolchainsDir({ GOBOX_STATE_DIR: own })).toBeUndefined();
    expect(systemToolchainsDir({ GOBOX_STATE_DIR: own, GOBOX_SYSTEM_STATE_DIR: sys })).toBe(path.join(sys, 'toolchains'));
    expect(new ToolchainStores({ GOBOX_STATE_DIR: sys, GOBOX_SYSTEM_STATE_DIR: sys }).roots).toEqual([path.join(sys, 'toolchains')]);
  });
});
