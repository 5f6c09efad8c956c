import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, InternalError, ToolchainError } from '../../common/errors.js';
import { stateDir } from '../../common/paths.js';
import type { Progress } from '../../common/progress.js';

/**
 * The forwarder's Go source, a real file with its own `go test` (npm run test:go). It is found
 * next to this module: under src/ when run from source, under dist/ where the build copies it.
 */
export const FORWARDER_SOURCE_FILE = fileURLToPath(new URL('./forwarder/main.go', import.meta.url));

/** The source the binary is built from; the cache key hashes it, so an edit means a rebuild. */
export async function forwarderSource(): Promise<string> {
  try {
    return await readFile(FORWARDER_SOURCE_FILE, 'utf8');
  } catch (e) {
    throw new InternalError(`cannot read the proxy-mode forwarder's source ${FORWARDER_SOURCE_FILE}: ${errorMessage(e)}`, {
      hint: 'the installation is incomplete: reinstall gobox, or run `npm run build`, which copies it into dist/',
    });
  }
}

/**
 * The forwarder binary for proxy mode, built once per (source, toolchain) with the store's own
 * toolchain, run directly on the host: the store holds host-architecture toolchains, the build
 * needs only the standard library (nothing is downloaded), and a helper container's small
 * memory limit is too tight for compiling the runtime from a cold cache. The file is renamed
 * into place, so concurrent first runs at worst build it twice.
 */
export async function forwarderBinary(
  o: { toolchain: { version: string; path: string }; env: NodeJS.ProcessEnv },
  progress: Progress,
): Promise<{ file: string; sha256: string }> {
  const source = await forwarderSource();
  const key = createHash('sha256').update(source).update(o.toolchain.version).digest('hex').slice(0, 16);
  const dir = path.join(stateDir(o.env), 'proxy');
  const file = path.join(dir, `forwarder-${key}`);
  if (!(await exists(file))) {
    progress.start(`Building the proxy-mode forwarder with go${o.toolchain.version}`);
    try {
      await build(o.toolchain.path, source, dir, file);
      progress.succeed();
    } catch (e) {
      progress.fail();
      throw e;
    }
  }
  return { file, sha256: createHash('sha256').update(await readFile(file)).digest('hex') };
}

async function build(goroot: string, source: string, dir: string, file: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const work = await mkdtemp(path.join(dir, 'build-'));
  try {
    // Only main.go: built as a lone file, outside any module, so nothing can be downloaded.
    await writeFile(path.join(work, 'main.go'), source, { mode: 0o644 });
    // A clean environment: the caller's GOFLAGS, GOROOT or GOPROXY must not reach this build.
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: work,
      GOCACHE: path.join(work, 'cache'),
      GOPATH: path.join(work, 'gopath'),
      GOENV: 'off',
      GOFLAGS: '',
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
    };
    const out = path.join(work, 'forwarder');
    await new Promise<void>((resolve, reject) => {
      execFile(path.join(goroot, 'bin', 'go'), ['build', '-trimpath', '-ldflags=-s', '-o', out, 'main.go'], { cwd: work, env, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const why = String(stderr).trim().split('\n').slice(-3).join(' | ') || errorMessage(err);
        reject(new ToolchainError(`cannot build the proxy-mode forwarder with ${goroot}: ${why}`));
      });
    });
    await chmod(out, 0o755);
    await rename(out, file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
