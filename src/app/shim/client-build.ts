import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../../common/errors.js';
import { stateDir } from '../../common/paths.js';
import type { Progress } from '../../common/progress.js';
import { buildStdlibProgram } from '../../toolchain/build-program.js';
import { checkBeforeMount } from '../../toolchain/mount-check.js';
import { ToolchainStores } from '../../toolchain/stores.js';

/** The client's Go source, found next to this module (the build copies it into dist/). */
export const CLIENT_SOURCE_FILE = fileURLToPath(new URL('./client/main.go', import.meta.url));

/**
 * The shim's client (client/main.go says what it is for), built with the newest stored toolchain
 * and kept in the caller's state dir by (source, toolchain), so a second install builds nothing.
 * Without a toolchain that passes its check, or when the build fails, there is no client and the
 * shims go through Node, a little slower per call: said in `unavailable`, never an install error.
 */
export async function shimClient(env: NodeJS.ProcessEnv, progress: Progress): Promise<{ bytes: Buffer } | { unavailable: string }> {
  try {
    const source = await readFile(CLIENT_SOURCE_FILE, 'utf8');
    const newest = (await new ToolchainStores().list())[0];
    if (!newest) return { unavailable: 'no Go toolchain is installed to build it with (gobox toolchain install VERSION, then install the shims again)' };
    // It runs on the host, as the caller: only from a toolchain that is still what was installed.
    await checkBeforeMount(newest.path, newest.version);
    const key = createHash('sha256').update(source).update(newest.version).digest('hex').slice(0, 16);
    const file = path.join(stateDir(env), 'shim', `client-${key}`);
    const kept = await readFile(file).catch(() => undefined);
    if (kept) return { bytes: kept };
    progress.start(`Building the shim's client with go${newest.version}`);
    try {
      await buildStdlibProgram(newest.path, source, file, "the shim's client");
      progress.succeed();
    } catch (e) {
      progress.fail();
      throw e;
    }
    return { bytes: await readFile(file) };
  } catch (e) {
    return { unavailable: errorMessage(e) };
  }
}
