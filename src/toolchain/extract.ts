import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-fs';
import type { Headers } from 'tar-fs';
import { ToolchainError } from '../common/errors.js';

/**
 * Unpacks an official go1.X.linux-ARCH.tar.gz into dest, dropping its top "go/" dir.
 * tar-fs keeps every entry (and link target) inside dest; entries outside "go/" are skipped
 * rather than trusted. Modes are fixed afterwards by normalizeModes.
 */
export async function extractGoArchive(archive: string, dest: string, signal?: AbortSignal): Promise<void> {
  const outside = new WeakSet<Headers>();
  let entries = 0;
  const options: tar.ExtractOptions & { chown: boolean } = {
    // Running as root, tar-fs would chown entries to the uid in the archive: a shared GOROOT
    // owned by some arbitrary uid could be rewritten by whoever has that uid.
    chown: false,
    map(header) {
      const name = header.name.replace(/^\.\//, '');
      if (name === 'go' || name.startsWith('go/')) header.name = name.slice(3);
      else outside.add(header);
      return header;
    },
    ignore(_name, header) {
      if (header && outside.has(header)) return true;
      entries++;
      return false;
    },
  };
  const extract = tar.extract(dest, options);
  try {
    await pipeline(createReadStream(archive), createGunzip(), extract, signal ? { signal } : {});
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ToolchainError(`cannot unpack ${archive.split('/').pop()}: ${e instanceof Error ? e.message : String(e)}`, {
      hint: 'the archive is damaged or not a Go release archive',
      cause: e,
    });
  }
  if (entries === 0) throw new ToolchainError('the archive holds no go/ directory', { hint: 'it is not a Go release archive' });
}
