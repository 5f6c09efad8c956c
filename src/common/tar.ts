import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-fs';

/** Packs a directory as a tar stream. tar-fs returns a streamx stream; the engine wants a Node Readable. */
/** tar-fs honours umask (its typings omit it); 0 keeps modes such as /tmp's 1777 as they are on disk. */
export type PackDirectoryOptions = tar.PackOptions & { umask?: number };

export function packDirectory(dir: string, opts: PackDirectoryOptions = {}): Readable {
  const out = new PassThrough();
  const pack = tar.pack(dir, opts as tar.PackOptions);
  pack.on('error', (e: Error) => out.destroy(e));
  pack.pipe(out);
  return out;
}
