import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
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
  if (/^(off|0|false|no)$/i.test(env.GOBOX_SHIM_CLIENT ?? '')) return { unavailable: 'GOBOX_SHIM_CLIENT=off' };
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
      const bytes = await buildAndRead(newest.path, source, file);
      progress.succeed();
      return { bytes };
    } catch (e) {
      progress.fail();
      throw e;
    }
  } catch (e) {
    return { unavailable: errorMessage(e) };
  }
}

/** Built into the state dir's cache; a state dir the caller cannot write (an admin's) gets no copy kept. */
async function buildAndRead(goroot: string, source: string, file: string): Promise<Buffer> {
  try {
    await access(path.dirname(path.dirname(file)), constants.W_OK);
  } catch {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'gobox-shim-client-'));
    try {
      const out = path.join(tmp, 'client');
      await buildStdlibProgram(goroot, source, out, "the shim's client");
      return await readFile(out);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  await buildStdlibProgram(goroot, source, file, "the shim's client");
  return readFile(file);
}
