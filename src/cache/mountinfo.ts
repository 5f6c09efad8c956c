import { readFile } from 'node:fs/promises';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** The kernel escapes space, tab, newline and backslash in mountinfo as octal (\040 ...). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo: "id parent maj:min root mountpoint opts [optional...] - fstype source superopts". */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 3) continue;
    out.push({ mountPoint: unescape(fields[4]!), fsType: fields[dash + 1]!, source: unescape(fields[dash + 2]!) });
  }
  return out;
}

/**
 * What is mounted at dir, if anything (the last mount wins, as the kernel shows it). Read from
 * mountinfo rather than comparing st_dev, so an unprivileged caller can ask too, and so a
 * stale loop mount of another file at the same place is visible by its source.
 */
export async function mountAt(dir: string, mountinfo = '/proc/self/mountinfo'): Promise<MountEntry | undefined> {
  const entries = parseMountInfo(await readFile(mountinfo, 'utf8'));
  return entries.filter((e) => e.mountPoint === dir).at(-1);
}
