import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from '../common/zod.js';
import { ToolchainError } from '../common/errors.js';
import { tempName } from '../common/temp.js';
import { hash1 } from './dirhash.js';
import { limiter } from '../common/limiter.js';

/** Where a toolchain came from, so `verify --repair` can fetch it again. */
const SourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('install'), mirror: z.string(), filename: z.string(), sha256: z.string() }),
  z.object({ kind: z.literal('import'), dir: z.string() }),
  /** Recorded by `verify --record` on a toolchain installed before manifests existed. */
  z.object({ kind: z.literal('recorded') }),
]);
export type ManifestSource = z.infer<typeof SourceSchema>;

/** What a stat says about an entry; what the cheap check on every mount compares. */
const StatSchema = z.object({ ino: z.number(), mtimeMs: z.number(), ctimeMs: z.number() });
export type StatStamp = z.infer<typeof StatSchema>;

/**
 * One entry, as a tuple to keep a 17,000-entry manifest small and fast to parse on every run:
 * [type, path, mode (st_mode & 07777), size, uid, gid, ino, mtimeMs, ctimeMs, sha256 | link target | ""].
 */
export const EntrySchema = z.tuple([
  z.enum(['f', 'd', 'l']), z.string(), z.number().int(), z.number().int(), z.number().int(), z.number().int(),
  z.number(), z.number(), z.number(), z.string(),
]);
export type ManifestEntry = z.infer<typeof EntrySchema>;

const ManifestSchema = z.object({
  format: z.literal(1),
  version: z.string(),
  recordedAt: z.string(),
  source: SourceSchema,
  /** Go's dirhash h1: over every regular file, paths relative to the GOROOT. */
  digest: z.string().startsWith('h1:'),
  /** The GOROOT dir itself, stamped after it was renamed into place. */
  root: StatSchema.extend({ uid: z.number().int(), gid: z.number().int(), mode: z.number().int() }),
  // Checked by hand, not by z.array(EntrySchema): a 17,000-entry manifest is read before every mount.
  entries: z.custom<ManifestEntry[]>((v) => Array.isArray(v) && v.every(isManifestEntry), 'a list of [type, path, mode, size, uid, gid, ino, mtimeMs, ctimeMs, hash] entries'),
});

const TYPES = new Set(['f', 'd', 'l']);
/** What EntrySchema accepts, as a plain loop (manifest.test.ts holds the two together). */
export function isManifestEntry(e: unknown): boolean {
  if (!Array.isArray(e) || e.length !== 10 || !TYPES.has(e[0]) || typeof e[1] !== 'string' || typeof e[9] !== 'string') return false;
  for (let i = 2; i < 6; i++) if (!Number.isInteger(e[i])) return false;
  for (let i = 6; i < 9; i++) if (typeof e[i] !== 'number' || !Number.isFinite(e[i])) return false;
  return true;
}
export type Manifest = z.infer<typeof ManifestSchema>;

/** Manifests live beside the trees, not in them: a sandbox's GOROOT holds only Go. */
export const MANIFEST_DIR = '.manifests';

export function manifestPath(storeRoot: string, name: string): string {
  return path.join(storeRoot, MANIFEST_DIR, `${name}.json`);
}

export function stampOf(st: Stats): StatStamp {
  return { ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

/** The manifest of a toolchain, undefined when none was recorded (installed by an older gobox). */
export async function readManifest(storeRoot: string, name: string): Promise<Manifest | undefined> {
  const file = manifestPath(storeRoot, name);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ToolchainError(`cannot read the manifest ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'check the permissions of the toolchain store' });
  }
  let parsed: z.ZodSafeParseResult<Manifest>;
  try {
    parsed = ManifestSchema.safeParse(JSON.parse(text));
  } catch (e) {
    throw new ToolchainError(`the manifest ${file} is not JSON: ${(e as Error).message}`, { hint: `gobox toolchain verify --repair ${name.slice(2)}` });
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ToolchainError(`the manifest ${file} is damaged: ${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'unexpected shape'}`, {
      hint: `gobox toolchain verify --repair ${name.slice(2)}`,
    });
  }
  return parsed.data;
}

/** Writes a manifest atomically (temp file, rename), readable by everyone who reads the store. */
export async function writeManifest(storeRoot: string, name: string, m: Manifest): Promise<void> {
  const dir = path.join(storeRoot, MANIFEST_DIR);
  await fs.mkdir(dir, { mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  const tmp = path.join(dir, tempName('manifest', name));
  await fs.writeFile(tmp, JSON.stringify(m), { mode: 0o644 });
  try {
    await fs.rename(tmp, manifestPath(storeRoot, name));
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function removeManifest(storeRoot: string, name: string): Promise<void> {
  await fs.rm(manifestPath(storeRoot, name), { force: true });
}

/** The h1: digest a manifest's own entries give; differs from `digest` when the manifest was edited. */
export function digestOfEntries(entries: readonly ManifestEntry[]): string {
  const files: { path: string; sha256: string }[] = [];
  for (const e of entries) if (e[0] === 'f') files.push({ path: e[1], sha256: e[9] });
  return hash1(files);
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

/** Every entry under root (root itself excluded), lstat'ed: [relative path, stats], parents first. */
export async function walkTree(root: string): Promise<[string, Stats][]> {
  const out: [string, Stats][] = [];
  async function walk(rel: string): Promise<void> {
    const names = (await fs.readdir(path.join(root, rel))).sort();
    const stats = await Promise.all(names.map((n) => fs.lstat(path.join(root, rel, n))));
    for (let i = 0; i < names.length; i++) {
      const p = rel ? `${rel}/${names[i]!}` : names[i]!;
      out.push([p, stats[i]!]);
      if (stats[i]!.isDirectory()) await walk(p);
    }
  }
  await walk('');
  return out;
}


/**
 * Hashes a finished GOROOT (modes already normalised, not yet renamed into place) into a
 * manifest. The root's stamp is filled in by stampRoot() once the tree is in place, since the
 * rename changes the root dir's ctime (but not its children's).
 */
export async function buildManifest(goroot: string, version: string, source: ManifestSource): Promise<Manifest> {
  const queue = limiter(8);
  const tree = await walkTree(goroot);
  const entries = await Promise.all(
    tree.map(async ([rel, st]): Promise<ManifestEntry> => {
      const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : undefined;
      if (!type) throw new ToolchainError(`go${version} holds ${rel}, which is not a file, directory or symlink`, { hint: 'a GOROOT holds only files and dirs' });
      const extra = type === 'f' ? await queue(() => sha256File(path.join(goroot, rel))) : type === 'l' ? await fs.readlink(path.join(goroot, rel)) : '';
      return [type, rel, st.mode & 0o7777, type === 'd' ? 0 : st.size, st.uid, st.gid, st.ino, st.mtimeMs, st.ctimeMs, extra];
    }),
  );
  entries.sort((a, b) => Buffer.compare(Buffer.from(a[1], 'utf8'), Buffer.from(b[1], 'utf8')));
  const root = await fs.lstat(goroot);
  return {
    format: 1,
    version,
    recordedAt: new Date().toISOString(),
    source,
    digest: digestOfEntries(entries),
    root: { ...stampOf(root), uid: root.uid, gid: root.gid, mode: root.mode & 0o7777 },
    entries,
  };
}

/** The manifest with the root dir's stamp as it is now (after the rename into the store). */
export async function stampRoot(m: Manifest, goroot: string): Promise<Manifest> {
  const st = await fs.lstat(goroot);
  return { ...m, root: { ...stampOf(st), uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 } };
}
