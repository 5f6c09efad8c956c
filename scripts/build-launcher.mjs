// Writes the `gobox` command as installed, dist/cli/gobox (src/cli/launcher.ts says what it does),
// and builds the shim's client beside it as dist/cli/gobox-client with the first Go toolchain
// found (on PATH, /usr/local/go, Debian's Go 1.19). Without one, or with GOBOX_CLIENT_BUILD=off,
// there is no client and the launcher always runs Node: slower for `gobox run`, never wrong.
// The client is rebuilt only when its source or the toolchain changed (a key file beside it).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const load = (rel) => import(pathToFileURL(path.join(dist, rel)).href);
const { LAUNCHER_CLIENT, LAUNCHER_NAME, launcherScript } = await load('cli/launcher.js');

const launcher = path.join(dist, 'cli', LAUNCHER_NAME);
writeFileSync(launcher, launcherScript());
chmodSync(launcher, 0o755);

const client = path.join(dist, 'cli', LAUNCHER_CLIENT);
const keyFile = `${client}.key`;
const drop = () => {
  rmSync(client, { force: true });
  rmSync(keyFile, { force: true });
};

function goroot() {
  const which = (() => {
    try {
      return execFileSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  })();
  for (const go of [which, '/usr/local/go/bin/go', '/usr/lib/go-1.19/bin/go']) {
    if (!go || !existsSync(go)) continue;
    try {
      const env = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', GOENV: 'off', GOTOOLCHAIN: 'local' };
      const [dir, version] = execFileSync(go, ['env', 'GOROOT', 'GOVERSION'], { encoding: 'utf8', env }).trim().split('\n');
      if (dir && version) return { dir, version };
    } catch {
      // not a working Go: try the next
    }
  }
  return undefined;
}

if (/^(off|0|false|no)$/i.test(process.env.GOBOX_CLIENT_BUILD ?? '')) {
  drop();
  console.log('build-launcher: GOBOX_CLIENT_BUILD=off: no client; `gobox run` starts Node every time');
} else {
  const go = goroot();
  if (!go) {
    drop();
    console.log('build-launcher: no Go toolchain found to build the client with; `gobox run` starts Node every time');
  } else {
    const source = readFileSync(path.join(root, 'src', 'app', 'shim', 'client', 'main.go'), 'utf8');
    const key = createHash('sha256').update(source).update(`\0${go.dir}\0${go.version}`).digest('hex');
    const kept = existsSync(client) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key;
    if (!kept) {
      drop();
      const { buildStdlibProgram } = await load('toolchain/build-program.js');
      try {
        await buildStdlibProgram(go.dir, source, client, "gobox's launcher client");
        writeFileSync(keyFile, key);
      } catch (e) {
        // Never a failed build: without the client the launcher runs Node, as it did before.
        drop();
        console.log(`build-launcher: ${e.message}; \`gobox run\` starts Node every time`);
      }
    }
  }
}
