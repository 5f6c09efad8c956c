import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageError } from '../common/errors.js';
import { LABEL } from '../common/labels.js';
import { stateDir } from '../common/paths.js';
import type { Progress } from '../common/progress.js';
import type { Engine } from '../engine/index.js';
import { FORWARDER_SOURCE } from './proxy-forwarder-source.js';

/**
 * The forwarder binary for proxy mode, built once per (source, toolchain) in a throwaway helper
 * container with the store's own toolchain: the host needs no Go of its own, and nothing is
 * downloaded (it uses only the standard library). The file is atomic-renamed into place, so
 * concurrent first runs at worst build it twice.
 */
export async function forwarderBinary(
  engine: Engine,
  o: { image: string; toolchain: { version: string; path: string }; env: NodeJS.ProcessEnv },
  progress: Progress,
): Promise<{ file: string; sha256: string }> {
  const key = createHash('sha256').update(FORWARDER_SOURCE).update(o.toolchain.version).digest('hex').slice(0, 16);
  const dir = path.join(stateDir(o.env), 'proxy');
  const file = path.join(dir, `forwarder-${key}`);
  if (!(await exists(file))) {
    progress.start(`Building the proxy-mode forwarder with go${o.toolchain.version}`);
    try {
      await build(engine, o, dir, path.basename(file));
      progress.succeed();
    } catch (e) {
      progress.fail();
      throw e;
    }
  }
  return { file, sha256: createHash('sha256').update(await readFile(file)).digest('hex') };
}

async function build(engine: Engine, o: { image: string; toolchain: { path: string } }, dir: string, name: string): Promise<void> {
  const work = path.join(dir, `build-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(work, { recursive: true, mode: 0o755 });
  try {
    await writeFile(path.join(work, 'main.go'), FORWARDER_SOURCE, { mode: 0o644 });
    // Built as the caller (root without capabilities, or the user), so the output is theirs.
    const user = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    const script =
      'export HOME=/tmp GOCACHE=/tmp/cache GOPATH=/tmp/gopath GOFLAGS= GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 && ' +
      'cd /work && /usr/local/go/bin/go build -trimpath -ldflags=-s -o /work/forwarder main.go';
    const res = await engine.runHelper({
      image: o.image,
      command: ['sh', '-c', script],
      user,
      capAdd: [],
      mounts: [
        { kind: 'bind', source: o.toolchain.path, target: '/usr/local/go', readonly: true },
        { kind: 'bind', source: work, target: '/work', readonly: false },
        { kind: 'tmpfs', target: '/tmp', sizeBytes: 512 * 1024 * 1024, mode: '1777' },
      ],
      labels: {},
      network: 'none',
    });
    if (res.exitCode !== 0) {
      throw new ImageError(`cannot build the proxy-mode forwarder: ${res.output.trim().split('\n').slice(-3).join(' | ') || `exit ${res.exitCode}`}`);
    }
    await rename(path.join(work, 'forwarder'), path.join(dir, name));
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

/** Labels every proxy-mode object carries; kind "proxy" keeps them apart from sandboxes. */
export function proxyLabels(extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.kind]: 'proxy', ...extra };
}
