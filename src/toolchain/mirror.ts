import { z } from '../common/zod.js';
import { ToolchainError } from '../common/errors.js';
import { compareGoVersions, isStable, parseGoVersion, pickVersion, type GoVersion } from './version.js';

/** The official download site; it serves the JSON index and redirects archives to its CDN. */
export const DEFAULT_MIRROR = 'https://go.dev/dl';

export function defaultMirror(env: NodeJS.ProcessEnv = process.env): string {
  return env.GOBOX_GO_MIRROR?.trim() || DEFAULT_MIRROR;
}

export const MIRROR_HINT = `check the network, or set GOBOX_GO_MIRROR to a reachable Go download mirror (default ${DEFAULT_MIRROR})`;

/**
 * The official index format (?mode=json&include=all). Unknown fields are dropped and `kind`
 * stays a free string, so a new kind of file on the site does not break every install.
 */
const FileSchema = z.object({
  filename: z.string().regex(/^[^/\\]+$/, 'a bare file name'),
  os: z.string(),
  arch: z.string(),
  version: z.string(),
  sha256: z.string(),
  size: z.number().int().nonnegative(),
  kind: z.string(),
});
const IndexSchema = z.array(z.object({ version: z.string(), stable: z.boolean(), files: z.array(FileSchema) }));

export type MirrorFile = z.infer<typeof FileSchema>;
export type MirrorRelease = z.infer<typeof IndexSchema>[number];

export interface AvailableVersion {
  /** e.g. "1.22.5" */
  version: string;
  stable: boolean;
}

export interface ArchiveChoice {
  version: string;
  file: MirrorFile;
  url: string;
}

/** Go's name for this CPU: Node says x64 where Go says amd64. */
export function goArch(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'armv6l', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return map[arch] ?? arch;
}

export function goOs(platform: string = process.platform): string {
  return platform;
}

function base(mirror: string): string {
  return mirror.replace(/\/+$/, '');
}

export function indexUrl(mirror: string): string {
  return `${base(mirror)}/?mode=json&include=all`;
}

export function fileUrl(mirror: string, filename: string): string {
  return `${base(mirror)}/${encodeURIComponent(filename)}`;
}

/** fetch() that turns "fetch failed" into "cannot reach Go mirror URL: ECONNREFUSED". */
export async function fetchFromMirror(url: string, mirror: string, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ToolchainError(`cannot reach Go mirror ${mirror}: ${networkReason(e)}`, { hint: MIRROR_HINT, cause: e });
  }
}

/** The errno-like reason under undici's generic "fetch failed". */
export function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (e as { code?: string })?.code;
  // undici's own codes mean nothing to a user; errno codes (ECONNREFUSED) do.
  const undici: Record<string, string> = {
    UND_ERR_SOCKET: 'connection closed by the mirror',
    UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
    UND_ERR_HEADERS_TIMEOUT: 'timeout waiting for the mirror',
    UND_ERR_BODY_TIMEOUT: 'timeout waiting for the mirror',
  };
  if (code) return undici[code] ?? code;
  return cause?.message ?? (e instanceof Error ? e.message : String(e));
}

export async function fetchIndex(mirror: string, signal?: AbortSignal): Promise<MirrorRelease[]> {
  const url = indexUrl(mirror);
  const res = await fetchFromMirror(url, mirror, signal);
  if (!res.ok) throw new ToolchainError(`Go mirror index at ${url} answered HTTP ${res.status}`, { hint: MIRROR_HINT });
  let body: unknown;
  try {
    body = JSON.parse(await res.text());
  } catch (e) {
    if (signal?.aborted) throw e;
    throw invalid(url, e instanceof Error ? e.message : String(e));
  }
  const parsed = IndexSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'top level';
    throw invalid(url, `${where}: ${issue?.message ?? 'unexpected shape'}`);
  }
  return parsed.data;
}

function invalid(url: string, why: string): ToolchainError {
  return new ToolchainError(`mirror index at ${url} is not valid: ${why}`, {
    hint: 'GOBOX_GO_MIRROR must point at a Go download site that serves ?mode=json&include=all',
  });
}

function archiveFor(release: MirrorRelease, os: string, arch: string): MirrorFile | undefined {
  return release.files.find((f) => f.kind === 'archive' && f.os === os && f.arch === arch);
}

interface Candidate { version: GoVersion; stable: boolean; file: MirrorFile }

function candidates(index: readonly MirrorRelease[], os: string, arch: string): Candidate[] {
  return index.flatMap((r) => {
    const version = parseGoVersion(r.version);
    const file = archiveFor(r, os, arch);
    return version && file ? [{ version, stable: r.stable && isStable(version), file }] : [];
  });
}

/** Versions with an archive for this os/arch, newest first. */
export function availableVersions(index: readonly MirrorRelease[], os = goOs(), arch = goArch()): AvailableVersion[] {
  return candidates(index, os, arch)
    .sort((a, b) => compareGoVersions(b.version, a.version))
    .map((c) => ({ version: c.version.text, stable: c.stable }));
}

/**
 * The archive for "1.22.5", "go1.22.5", "1.22" (newest 1.22.x, releases first) or "latest".
 * Throws the "not offered" error with the command that lists what is.
 */
export function chooseArchive(index: readonly MirrorRelease[], request: string, mirror: string, os = goOs(), arch = goArch()): ArchiveChoice {
  const all = candidates(index, os, arch);
  let hit: Candidate | undefined;
  if (request.trim() === 'latest') {
    hit = all.filter((c) => c.stable).sort((a, b) => compareGoVersions(b.version, a.version))[0];
  } else {
    const want = parseGoVersion(request);
    if (!want) throw new ToolchainError(`not a Go version: ${request}`, { hint: 'use a version like 1.22.5, a prefix like 1.22, or latest' });
    hit = pickVersion(all.filter((c) => c.stable), want) ?? pickVersion(all, want);
    if (!hit) {
      const anyOs = index.some((r) => compareGoVersions(r.version, want) === 0);
      const what = anyOs ? `go${want.text} has no ${os}-${arch} archive at ${mirror}` : `go${want.text} is not offered by ${mirror}`;
      throw new ToolchainError(what, { hint: 'gobox toolchain list --available' });
    }
  }
  if (!hit) throw new ToolchainError(`${mirror} offers no stable Go for ${os}-${arch}`, { hint: 'gobox toolchain list --available' });
  if (!/^[0-9a-f]{64}$/i.test(hit.file.sha256)) {
    throw new ToolchainError(`${hit.file.filename} has no sha256 in the index at ${mirror}`, { hint: 'gobox only installs archives it can verify; pick another version' });
  }
  return { version: hit.version.text, file: hit.file, url: fileUrl(mirror, hit.file.filename) };
}
