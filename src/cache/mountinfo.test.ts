import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountAt, parseMountInfo } from './mountinfo.js';

const SAMPLE = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '43 27 7:0 / /var/lib/gobox/caches/1000.mnt rw,nosuid,nodev,relatime - ext4 /dev/loop0 rw',
  '44 27 7:1 / /srv/state\\040dir/caches/1001.mnt rw shared:5 - ext4 /dev/loop1 rw',
].join('\n');

describe('mountinfo', () => {
  it('parses mount points, types and sources, with optional fields and octal escapes', () => {
    expect(parseMountInfo(SAMPLE)).toEqual([
      { mountPoint: '/proc', fsType: 'proc', source: 'proc' },
      { mountPoint: '/var/lib/gobox/caches/1000.mnt', fsType: 'ext4', source: '/dev/loop0' },
      { mountPoint: '/srv/state dir/caches/1001.mnt', fsType: 'ext4', source: '/dev/loop1' },
    ]);
  });

  it('finds what is mounted at a directory, or nothing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-mi-'));
    const file = path.join(dir, 'mountinfo');
    writeFileSync(file, SAMPLE);
    expect((await mountAt('/srv/state dir/caches/1001.mnt', file))?.source).toBe('/dev/loop1');
    expect(await mountAt('/var/lib/gobox/caches/9.mnt', file)).toBeUndefined();
    rmSync(dir, { recursive: true });
  });
});
