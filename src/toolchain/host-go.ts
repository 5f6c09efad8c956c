import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The GOROOT of the `go` on PATH, or undefined when there is none (or it is not a release
 * with a VERSION file). It runs in / so no go.mod there can demand (or download) another Go.
 */
export async function findHostGo(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  try {
    const { stdout } = await run('go', ['env', 'GOROOT'], { env: { ...env, GOTOOLCHAIN: 'local', GOFLAGS: '' }, cwd: '/', timeout: 30_000 });
    const root = stdout.trim();
    if (!root) return undefined;
    await fs.access(path.join(root, 'VERSION'));
    return root;
  } catch {
    return undefined;
  }
}
