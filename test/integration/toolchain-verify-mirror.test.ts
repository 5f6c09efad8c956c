import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileRoute, jsonRoute, packGoroot, serve } from '../fixtures/toolchain/mirror.js';
import { inState, lastLine, MINI_VERSION, removeRunLeftovers, useVerifyFixtures, type VerifyJson } from '../helpers/verify-store.js';

/** --repair of an installed (not imported) toolchain: downloaded again, sha256-checked against what was recorded. */
const fx = useVerifyFixtures();
const NAME = `go${MINI_VERSION}`;
const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const FILE = `${NAME}.linux-${arch}.tar.gz`;
let mirror: { url: string; close: () => Promise<void> };
let sha256 = '';
/** What the index claims the archive's sha256 is: the real one, or (to test a changed mirror) another. */
let claimed = '';

beforeAll(async () => {
  const archive = path.join(path.dirname(fx.src()), 'mini.tar.gz');
  const packed = await packGoroot(fx.src(), archive);
  sha256 = packed.sha256;
  claimed = sha256;
  mirror = await serve({
    '/': (req, res) => {
      const body = [{ version: NAME, stable: true, files: [{ filename: FILE, os: 'linux', arch, version: NAME, sha256: claimed, size: packed.size, kind: 'archive' }] }];
      return jsonRoute(body)(req, res);
    },
    [`/${FILE}`]: fileRoute(archive),
  });
});
afterAll(async () => {
  await mirror?.close();
});

const states: string[] = [];
afterEach(() => {
  claimed = sha256;
  for (const s of states.splice(0)) removeRunLeftovers(s);
});

async function installed(): Promise<string> {
  const state = fx.newState();
  states.push(state);
  const r = await inState(state, ['toolchain', 'install', MINI_VERSION, '--mirror', mirror.url]);
  expect(r.code, r.stderr).toBe(0);
  return state;
}

describe('repair of an installed toolchain', () => {
  it('records the archive it came from, and --repair downloads it again after tampering', async () => {
    const state = await installed();
    const manifest = JSON.parse(readFileSync(path.join(state, 'toolchains', '.manifests', `${NAME}.json`), 'utf8')) as { source: unknown; digest: string };
    expect(manifest.source).toEqual({ kind: 'install', mirror: mirror.url, filename: FILE, sha256 });
    writeFileSync(path.join(state, 'toolchains', NAME, 'VERSION'), `go${MINI_VERSION}\nX:tampered\n`);
    const r = await inState(state, ['toolchain', 'verify', '--json', '--repair', '--mirror', mirror.url]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as VerifyJson;
    expect(json.toolchains[0]).toEqual(expect.objectContaining({ status: 'ok', repaired: `${mirror.url}/${FILE}`, digest: manifest.digest }));
    expect(readFileSync(path.join(state, 'toolchains', NAME, 'VERSION'), 'utf8')).not.toContain('tampered');
  });

  it('refuses to repair from a mirror whose archive has another sha256 than the one installed, leaving the toolchain as it was', async () => {
    const state = await installed();
    writeFileSync(path.join(state, 'toolchains', NAME, 'VERSION'), `go${MINI_VERSION}\nX:tampered\n`);
    claimed = 'ab'.repeat(32);
    const r = await inState(state, ['toolchain', 'verify', '--repair', '--mirror', mirror.url]);
    expect(r.code).toBe(1 | 4);
    expect(lastLine(r.stderr)).toBe(`gobox: ${NAME}: ${mirror.url} offers ${FILE} with sha256 ${'ab'.repeat(32)}, not the ${sha256} ${NAME} was installed from`);
    expect(readFileSync(path.join(state, 'toolchains', NAME, 'VERSION'), 'utf8')).toContain('tampered');
  });
});
