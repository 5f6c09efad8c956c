import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-fs';

/** Packs a directory as a tar stream. tar-fs returns a streamx stream; the engine wants a Node Readable. */
export function packDirectory(dir: string, opts: tar.PackOptions = {}): Readable {
  const out = new PassThrough();
  const pack = tar.pack(dir, opts);
  pack.on('error', (e: Error) => out.destroy(e));
  pack.pipe(out);
  return out;
}
