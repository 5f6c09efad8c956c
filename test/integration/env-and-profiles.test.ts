import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gobox, HELLO, makeModule, profileHome } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';

describe('gobox env, profile, toolchain list', () => {
  it('shows the effective sandbox environment and where each value came from', async () => {
    const dir = makeModule(HELLO);
    const r = await gobox(['env', '--json'], { cwd: dir, env: { GOPROXY: 'https://proxy.example.test', GOFLAGS: '-mod=mod', GOROOT: '/evil' } });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.env.GOPROXY).toEqual({ value: 'https://proxy.example.test', source: 'caller env' });
    expect(out.env.GOTOOLCHAIN).toEqual({ value: 'local', source: 'gobox' });
    expect(out.env.GOROOT).toBeUndefined();
    expect(out.toolchain.version).toBe(`go${shared.goNew}`);
    expect(out.toolchain.source).toBe(`${dir}/go.mod go line`);
    const text = await gobox(['env'], { cwd: dir });
    expect(text.stdout).toMatch(/^GOTOOLCHAIN="local"  # gobox$/m);
  });

  it('lists, shows and validates profiles', async () => {
    const dir = makeModule(HELLO);
    const list = JSON.parse((await gobox(['profile', 'list', '--json'], { cwd: dir })).stdout) as { name: string }[];
    expect(list.map((p) => p.name)).toEqual(expect.arrayContaining(['default', 'classroom', 'jail']));
    const jail = JSON.parse((await gobox(['profile', 'show', 'jail', '--json'], { cwd: dir })).stdout);
    expect(jail.profile.network).toBe('none');
    const home = profileHome({ broken: 'limits:\n  memory: lots\n  cpus: two\n' });
    const bad = await gobox(['profile', 'validate', `${home}/gobox/profiles/broken.yaml`], { cwd: dir });
    expect(bad.code).toBe(125);
    const file = `${home}/gobox/profiles/broken.yaml`;
    expect(bad.stderr).toBe(
      `gobox: ${file}: limits.memory: expected a size such as "512m" or "2g"; ${file}: limits.cpus: Invalid input: expected number, received string; fix ${file}, then check it with: gobox profile validate ${file}\n`,
    );
  });

  it('imports the Go on PATH into an empty store on first use, with a one-line notice', async () => {
    const store = mkdtempSync('/tmp/gobox-it-fresh-');
    try {
      const r = await gobox(['env', '--json'], { cwd: makeModule(HELLO), env: { GOBOX_STATE_DIR: store, PATH: `/usr/local/go/bin:${process.env.PATH}` } });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`the toolchain store ${store}/toolchains is empty; importing the host's Go from /usr/local/go (first use only)`);
      expect(JSON.parse(r.stdout).toolchain.version).toBe(`go${shared.goNew}`);
      expect(readdirSync(path.join(store, 'toolchains')).filter((e) => e.startsWith('go'))).toEqual([`go${shared.goNew}`]);
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('lists both imported toolchains', async () => {
    const dir = makeModule(HELLO);
    const r = await gobox(['toolchain', 'list', '--json'], { cwd: dir });
    const names = (JSON.parse(r.stdout) as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([`go${shared.goNew}`, `go${shared.goOld}`]));
  });
});
