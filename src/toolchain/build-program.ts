import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, ToolchainError } from '../common/errors.js';

/**
 * Builds one Go file of gobox's own (proxy mode's forwarder, the shim's client) into `file` with
 * a stored toolchain, on the host: the store holds host-architecture toolchains and the file
 * needs only the standard library. Built as a lone file outside any module, with downloads off,
 * so nothing can be fetched; renamed into place, so concurrent builds at worst build it twice.
 */
export async function buildStdlibProgram(goroot: string, source: string, file: string, what: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const work = await mkdtemp(path.join(dir, 'build-'));
  try {
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
    const out = path.join(work, 'program');
    await new Promise<void>((resolve, reject) => {
      execFile(path.join(goroot, 'bin', 'go'), ['build', '-trimpath', '-ldflags=-s', '-o', out, 'main.go'], { cwd: work, env, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const why = String(stderr).trim().split('\n').slice(-3).join(' | ') || errorMessage(err);
        reject(new ToolchainError(`cannot build ${what} with ${goroot}: ${why}`));
      });
    });
    await chmod(out, 0o755);
    await rename(out, file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
