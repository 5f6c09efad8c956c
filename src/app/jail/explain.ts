import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../common/errors.js';
import type { Progress } from '../../common/progress.js';
import { buildJailSpec } from '../../sandbox/jail-spec.js';
import { readyEngine, writeIdentityFiles } from '../run/index.js';
import { sandboxLoginName } from '../run/identity-files.js';
import { diffBuildInfo, parseBuildInfo } from './build-info.js';
import { prepareJail } from './build.js';
import { runJailContainer } from './container.js';
import { firstDifferingSection } from './elf.js';

export interface ExplainInput {
  /** A dir inside the rebuilt source: the jail for `go version -m` is prepared there. */
  cwd: string;
  go: string;
  recordedFile: string;
  rebuiltFile: string;
  env: NodeJS.ProcessEnv;
  profile?: string | undefined;
  progress: Progress;
  /** Through the daemon: `go version -m` of two files in `dir`, run by it. */
  buildInfo?: BuildInfoReader;
}

/** `go version -m` of two files in one dir, run by `go` in a sandbox: its stdout. */
export type BuildInfoReader = (dir: string, files: [string, string], go: string) => Promise<string>;

/**
 * Why two binaries differ: their `go version -m` build settings (GOAMD64, -trimpath, -ldflags,
 * vcs.modified, CGO_ENABLED, the toolchain), read by the same toolchain in a jail, then the first
 * ELF section whose bytes differ.
 */
export async function explainMismatch(i: ExplainInput): Promise<string[]> {
  const [a, b] = await Promise.all([fs.readFile(i.recordedFile), fs.readFile(i.rebuiltFile)]);
  const causes: string[] = [];
  try {
    causes.push(...(await buildSettingsDiff(i)));
  } catch (e) {
    causes.push(`go version -m could not compare the two binaries: ${errorMessage(e)}`);
  }
  const section = firstDifferingSection(a, b);
  if (section) causes.push(`first difference: ${section}`);
  return causes;
}

async function buildSettingsDiff(i: ExplainInput): Promise<string[]> {
  if (i.buildInfo) {
    const dir = await fs.mkdtemp(path.join(path.dirname(path.dirname(i.rebuiltFile)), 'compare-'));
    try {
      await fs.copyFile(i.recordedFile, path.join(dir, 'recorded'));
      await fs.copyFile(i.rebuiltFile, path.join(dir, 'rebuilt'));
      return settingsDiff(parseBuildInfo(await i.buildInfo(dir, ['recorded', 'rebuilt'], i.go)), 'recorded', 'rebuilt');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  const p = await prepareJail({ cwd: i.cwd, go: i.go, env: i.env, profile: i.profile, progress: i.progress });
  const engine = await readyEngine(p, i.progress);
  const dir = await fs.mkdtemp(path.join(path.dirname(path.dirname(i.rebuiltFile)), 'compare-'));
  const ids = await writeIdentityFiles(p.user, sandboxLoginName(p));
  try {
    await fs.copyFile(i.recordedFile, path.join(dir, 'recorded'));
    await fs.copyFile(i.rebuiltFile, path.join(dir, 'rebuilt'));
    await fs.chmod(dir, 0o755);
    for (const f of ['recorded', 'rebuilt']) await fs.chmod(path.join(dir, f), 0o644);
    const spec = buildJailSpec({ ...p.inputs, identityFiles: ids }, { sourceDateEpoch: 0, outDir: dir, command: ['go', 'version', '-m', '/out/recorded', '/out/rebuilt'] });
    // /out is read-write in a build; here nothing is written, and the files are copies anyway.
    const r = await runJailContainer(engine, p, spec);
    if (r.exitCode !== 0) throw new Error(r.stderr.trim().split('\n')[0] ?? `exit ${r.exitCode}`);
    return settingsDiff(parseBuildInfo(r.stdout), '/out/recorded', '/out/rebuilt');
  } finally {
    await ids.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function settingsDiff(info: ReturnType<typeof parseBuildInfo>, a: string, b: string): string[] {
  const recorded = info.get(a);
  const rebuilt = info.get(b);
  if (!recorded || !rebuilt) throw new Error('no build information in one of the binaries');
  const diff = diffBuildInfo(recorded, rebuilt);
  // cmd/go leaves -ldflags out of the build info under -trimpath (they may hold paths).
  return diff.length ? diff : ['go version -m shows the same build settings for both (under -trimpath it records no -ldflags, so a different -X value shows only in the bytes)'];
}
