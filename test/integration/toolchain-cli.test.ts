import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileRoute, jsonRoute, packGoroot, serve, truncatedRoute } from '../fixtures/toolchain/mirror.js';
import { collect, gobox, HELLO, makeModule, sandboxesWith, spawnGobox, waitFor } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';

const DEBIAN_GO = '/usr/lib/go-1.19';

describe('gobox toolchain install/list/remove through the CLI, from a loopback mirror', () => {
  const tmp = mkdtempSync('/tmp/gobox-it-tc-');
  const store = path.join(tmp, 'state');
  let mirror: { url: string; close: () => Promise<void> };
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const name = (v: string) => `go${v}.linux-${arch}.tar.gz`;

  beforeAll(async () => {
    const archive = path.join(tmp, 'go.tar.gz');
    const packed = await packGoroot(DEBIAN_GO, archive, ['pkg/linux_amd64', 'test']);
    const file = (v: string, sha256 = packed.sha256) => ({ filename: name(v), os: 'linux', arch, version: `go${v}`, sha256, size: packed.size, kind: 'archive' });
    mirror = await serve({
      '/': jsonRoute([
        { version: `go${shared.goOld}`, stable: true, files: [file(shared.goOld)] },
        { version: 'go1.18.1', stable: true, files: [file('1.18.1', 'ab'.repeat(32))] },
        { version: 'go1.17.1', stable: true, files: [file('1.17.1')] },
        { version: 'go1.16.1', stable: true, files: [file('1.16.1')] },
      ]),
      [`/${name(shared.goOld)}`]: fileRoute(archive),
      [`/${name('1.18.1')}`]: fileRoute(archive),
      [`/${name('1.17.1')}`]: truncatedRoute(archive, 1_000_000),
      // Sends a first part, then stalls: an install that is still downloading when Ctrl-C comes.
      [`/${name('1.16.1')}`]: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': packed.size });
        res.write(Buffer.alloc(256 * 1024));
      },
    });
  }, 120_000);
  afterAll(async () => {
    await mirror?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const env = () => ({ GOBOX_STATE_DIR: store, GOBOX_GO_MIRROR: mirror.url });

  it('lists what the mirror offers', async () => {
    const r = await gobox(['toolchain', 'list', '--available', '--json'], { cwd: tmp, env: env() });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { version: string }[]).map((v) => v.version)).toEqual([shared.goOld, '1.18.1', '1.17.1', '1.16.1']);
  });

  it('installs a prefix as the newest match, with progress on stderr, and the toolchain runs', async () => {
    const r = await gobox(['toolchain', 'install', '1.19'], { cwd: tmp, env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`go${shared.goOld} at ${path.join(store, 'toolchains', `go${shared.goOld}`)}\n`);
    expect(r.stderr).toMatch(/Downloading go[\d.]+\.linux-\w+\.tar\.gz: .*\(100%\)/);
    const list = await gobox(['toolchain', 'list', '--json'], { cwd: tmp, env: env() });
    expect((JSON.parse(list.stdout) as { name: string }[]).map((t) => t.name)).toEqual([`go${shared.goOld}`]);
  });

  it('takes the mirror from the host config when GOBOX_GO_MIRROR is unset', async () => {
    const cfg = path.join(tmp, 'config.yaml');
    writeFileSync(cfg, `goMirror: ${mirror.url}\n`);
    const r = await gobox(['toolchain', 'list', '--available', '--json'], { cwd: tmp, env: { GOBOX_STATE_DIR: store, GOBOX_CONFIG: cfg } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(4);
  });

  it('refuses a checksum mismatch and a truncated download in one line, leaving nothing', async () => {
    const bad = await gobox(['toolchain', 'install', '1.18.1'], { cwd: tmp, env: env() });
    expect(bad.code).toBe(125);
    expect(bad.stderr.trimEnd().split('\n').pop()).toMatch(/^gobox: checksum mismatch for go1\.18\.1\.linux-\w+\.tar\.gz: expected a{1}b/);
    const cut = await gobox(['toolchain', 'install', 'go1.17.1'], { cwd: tmp, env: env() });
    expect(cut.code).toBe(125);
    expect(cut.stderr).toContain('was cut short');
    expect(readdirSync(path.join(store, 'toolchains')).filter((e) => !e.startsWith('.lock') && e !== '.manifests')).toEqual([`go${shared.goOld}`]);
  });

  it('Ctrl-C during a download exits 130 and leaves nothing in the store', async () => {
    const child = spawnGobox(['toolchain', 'install', '1.16.1'], { cwd: tmp, env: env() });
    const done = collect(child);
    const toolchains = path.join(store, 'toolchains');
    await waitFor(() => existsSync(toolchains) && readdirSync(toolchains).some((e) => e.startsWith('.tmp-')), 60_000);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('cancelled');
    expect(readdirSync(toolchains).filter((e) => !e.startsWith('.lock') && e !== '.manifests')).toEqual([`go${shared.goOld}`]);
  });

  it('refuses an unknown version and a mirror that is down', async () => {
    const unknown = await gobox(['toolchain', 'install', '1.99.1'], { cwd: tmp, env: env() });
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toContain('go1.99.1 is not offered by');
    const down = await gobox(['toolchain', 'install', '1.22.5'], { cwd: tmp, env: { GOBOX_STATE_DIR: store, GOBOX_GO_MIRROR: 'http://127.0.0.1:9' } });
    expect(down.code).toBe(125);
    expect(down.stderr).toContain('cannot reach Go mirror http://127.0.0.1:9');
    const junk = await gobox(['toolchain', 'install', 'banana'], { cwd: tmp, env: env() });
    expect(junk.code).toBe(125);
    expect(junk.stderr).toContain('not a Go version: banana');
  });

  it('refuses to remove a version a running sandbox uses, and removes it afterwards', async () => {
    const dir = makeModule(HELLO);
    const child = spawnGobox(['--go', shared.goOld, 'run', 'sleep', '30'], { cwd: dir });
    const done = collect(child);
    await waitFor(() => sandboxesWith(`gobox.pid=${child.pid}`)[0]);
    const refused = await gobox(['toolchain', 'remove', shared.goOld], { cwd: tmp, env: env() });
    expect(refused.code).toBe(125);
    expect(refused.stderr).toContain(`go${shared.goOld} is in use by a running sandbox`);
    expect(existsSync(path.join(store, 'toolchains', `go${shared.goOld}`))).toBe(true);
    child.kill('SIGINT');
    await done;
    const removed = await gobox(['toolchain', 'remove', shared.goOld], { cwd: tmp, env: env() });
    expect(removed.code).toBe(0);
    expect(existsSync(path.join(store, 'toolchains', `go${shared.goOld}`))).toBe(false);
  });
});
