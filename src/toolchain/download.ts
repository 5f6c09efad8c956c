import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ToolchainError } from '../common/errors.js';
import type { Progress } from '../common/progress.js';
import { fetchFromMirror, MIRROR_HINT, networkReason } from './mirror.js';

export interface DownloadOptions {
  mirror: string;
  filename: string;
  sha256: string;
  size: number;
  progress: Progress;
  signal?: AbortSignal | undefined;
}

/**
 * Downloads url to dest, hashing as the bytes stream past, so a mismatch is known the moment
 * the body ends and the archive is never read twice. It stops early if the body grows past the
 * size the index promised, so a hostile mirror cannot fill the disk.
 */
export async function downloadVerified(url: string, dest: string, o: DownloadOptions): Promise<void> {
  const res = await fetchFromMirror(url, o.mirror, o.signal);
  if (!res.ok || !res.body) {
    throw new ToolchainError(`download of ${o.filename} failed: HTTP ${res.status}`, { hint: MIRROR_HINT });
  }
  const hash = createHash('sha256');
  let done = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      if (done > o.size) {
        cb(new ToolchainError(`download of ${o.filename} is larger than the ${o.size} bytes the index says`, { hint: MIRROR_HINT }));
        return;
      }
      hash.update(chunk);
      o.progress.bytes(done, o.size);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), meter, createWriteStream(dest, { mode: 0o600 }), o.signal ? { signal: o.signal } : {});
  } catch (e) {
    if (o.signal?.aborted || e instanceof ToolchainError) throw e;
    if (done < o.size) throw cutShort(o, done, networkReason(e));
    throw new ToolchainError(`download of ${o.filename} failed: ${networkReason(e)}`, { hint: MIRROR_HINT, cause: e });
  }
  if (done !== o.size) throw cutShort(o, done, 'connection closed');
  const got = hash.digest('hex');
  if (got !== o.sha256.toLowerCase()) {
    throw new ToolchainError(`checksum mismatch for ${o.filename}: expected ${o.sha256.toLowerCase()}, got ${got}`, {
      hint: 'the mirror served a damaged or different file; nothing was installed. Retry, or set GOBOX_GO_MIRROR to another mirror',
    });
  }
}

function cutShort(o: DownloadOptions, done: number, why: string): ToolchainError {
  return new ToolchainError(`download of ${o.filename} was cut short (${why}): got ${done} of ${o.size} bytes`, {
    hint: 'nothing was installed; retry, or set GOBOX_GO_MIRROR to another mirror',
  });
}
