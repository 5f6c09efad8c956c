/**
 * Runs as the requesting user (never as root), started by jail-site.ts for a jail build through
 * the daemon: everything of the build that touches the user's own files. The out dir is checked
 * and made, the source hashed, git asked and the outputs written with the user's permissions, so
 * a build can reach no directory its user could not, and whatever it writes is the user's.
 *
 *   out DIR ROOT      check (or make) the out dir; answers its real path
 *   git ROOT          the source's commit and commit time
 *   source ROOT       the source tree's digest and go.sum's modules (stdin: the excluded paths)
 *   deliver DIR       outputs from fds 3.. and the record (stdin: names, modes, record) into DIR
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { hashDir } from '../app/jail/dirhash.js';
import { gitFacts, readGoSum } from '../app/jail/facts.js';
import { prepareOutDir } from '../app/jail/out-dir.js';
import { isGoboxError } from '../common/errors.js';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += (chunk as Buffer).toString();
  return text;
}

interface Delivery {
  files: { name: string; mode: number }[];
  provenance: string;
  envelope?: string;
}

/** Written beside their final names and renamed over them: a reader never sees half a binary. */
async function deliver(dir: string, d: Delivery): Promise<void> {
  const st = await fs.lstat(dir);
  if (!st.isDirectory()) throw Object.assign(new Error(`out dir ${dir} is no longer a directory (it was replaced during the build)`), { gobox: true });
  const tmp = await fs.mkdtemp(path.join(dir, '.gobox-jail-'));
  try {
    for (const [i, f] of d.files.entries()) {
      if (f.name.includes('/') || f.name.startsWith('.')) throw new Error(`bad output name ${f.name}`);
      await pipeline(createReadStream('', { fd: 3 + i }), createWriteStream(path.join(tmp, f.name), { flags: 'wx', mode: f.mode & 0o755 }));
      await fs.rename(path.join(tmp, f.name), path.join(dir, f.name));
    }
    const records: [string, string | undefined][] = [['provenance.json', d.provenance], ['provenance.dsse.json', d.envelope]];
    for (const [name, b64] of records) {
      if (b64 === undefined) continue;
      await fs.writeFile(path.join(tmp, name), Buffer.from(b64, 'base64'), { flag: 'wx', mode: 0o644 });
      await fs.rename(path.join(tmp, name), path.join(dir, name));
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<Record<string, unknown>> {
  const [mode, a = '', b = ''] = process.argv.slice(2);
  if (mode === 'out') return { outDir: await prepareOutDir(a, b, { uid: process.getuid!(), gid: process.getgid!() }) };
  if (mode === 'git') return gitFacts(a);
  if (mode === 'source') {
    const excluded = JSON.parse(await readStdin()) as string[];
    const [dirHash, modules] = await Promise.all([hashDir(a, 'source', excluded), readGoSum(a)]);
    return { dirHash, modules };
  }
  if (mode === 'deliver') {
    await deliver(a, JSON.parse(await readStdin()) as Delivery);
    return {};
  }
  throw new Error(`unknown mode ${mode}`);
}

main().then(
  (r) => process.stdout.write(JSON.stringify({ ok: true, ...r }) + '\n'),
  (e: unknown) => {
    const err = e as NodeJS.ErrnoException;
    const message = isGoboxError(e) || (e as { gobox?: boolean }).gobox ? err.message : `${err.code ?? 'error'}: ${err.message}`;
    process.stdout.write(JSON.stringify({ ok: false, message, ...(isGoboxError(e) && e.hint ? { hint: e.hint } : {}) }) + '\n');
    process.exitCode = 1;
  },
);
