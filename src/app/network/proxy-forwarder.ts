import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, InternalError } from '../../common/errors.js';
import { buildStdlibProgram } from '../../toolchain/build-program.js';
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
      await buildStdlibProgram(o.toolchain.path, source, file, 'the proxy-mode forwarder');
      progress.succeed();
    } catch (e) {
      progress.fail();
      throw e;
    }
  }
  return { file, sha256: createHash('sha256').update(await readFile(file)).digest('hex') };
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
