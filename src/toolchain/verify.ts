import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ToolchainError } from '../common/errors.js';
import { parseGoVersion } from './version.js';

const run = promisify(execFile);

/** The version a GOROOT's VERSION file names: first line "go1.19.8" → "1.19.8". */
export async function readVersionFile(goroot: string): Promise<string> {
  const file = path.join(goroot, 'VERSION');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new ToolchainError(`${goroot} is not a Go release: it has no VERSION file`, {
      hint: 'give the GOROOT of a released Go (the dir holding bin/go and VERSION), e.g. $(go env GOROOT)',
    });
  }
  const first = text.split(/\r?\n/)[0]?.trim() ?? '';
  // "go1.21.0 X:boringcrypto" and "go1.22.5-custom" name a release; "devel go1.23-abc" does not.
  const token = first.split(/\s/)[0] ?? '';
  const version = token.startsWith('go') ? token.slice(2).split(/[-+]/)[0] ?? '' : '';
  if (!parseGoVersion(version)) {
    throw new ToolchainError(`${file} does not name a Go release: '${first}'`, { hint: 'import a released Go, not a development build' });
  }
  return version;
}

/**
 * Runs <goroot>/bin/go version with a clean environment and checks it reports `version`.
 * GOROOT is unset so the binary finds its own tree (proving the copy is self-contained),
 * GOTOOLCHAIN=local stops it from switching to (or downloading) another Go, and HOME is an
 * empty temp dir so no user go/env file changes the answer.
 */
export async function verifyGoroot(goroot: string, version: string): Promise<void> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'gobox-verify-'));
  try {
    // Go ≥ 1.23 may fork a telemetry child that keeps writing under $HOME/.config/go/telemetry
    // after `go version` exits (racing our cleanup); the mode file is how `go telemetry off` stops it.
    const config = path.join(home, '.config');
    await fs.mkdir(path.join(config, 'go', 'telemetry'), { recursive: true });
    await fs.writeFile(path.join(config, 'go', 'telemetry', 'mode'), 'off');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: config, GOTOOLCHAIN: 'local', GOENV: 'off', LANG: 'C',
    };
    let out: string;
    try {
      ({ stdout: out } = await run(path.join(goroot, 'bin', 'go'), ['version'], { env, timeout: 60_000, cwd: home }));
    } catch (e) {
      const err = e as { stderr?: string; code?: string | number; message: string };
      const why = err.stderr?.trim().split('\n')[0] || String(err.code ?? err.message);
      throw new ToolchainError(`go${version} does not run: ${why}`, {
        hint: `it may be built for another OS or CPU (this host is ${process.platform}/${process.arch}), or damaged`,
      });
    }
    if (!new RegExp(`\\bgo${version.replace(/\./g, '\\.')}(\\s|$)`).test(out)) {
      throw new ToolchainError(`bin/go reports '${out.trim()}', not go${version}`, { hint: 'its VERSION file and binary disagree; use an unmodified Go release' });
    }
  } finally {
    // Best effort: a leftover empty HOME in /tmp must not fail an install that verified fine.
    await fs.rm(home, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  }
}
