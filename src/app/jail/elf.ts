interface Section {
  name: string;
  offset: number;
  size: number;
}

/** Section headers of a 64-bit little-endian ELF file (what Go builds for linux/amd64 and arm64). */
export function elfSections(b: Buffer): Section[] | undefined {
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return undefined;
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const shstrndx = b.readUInt16LE(0x3e);
  if (shoff + shnum * shentsize > b.length || shstrndx >= shnum) return undefined;
  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return { nameOff: b.readUInt32LE(at), type: b.readUInt32LE(at + 4), offset: Number(b.readBigUInt64LE(at + 0x18)), size: Number(b.readBigUInt64LE(at + 0x20)) };
  });
  const strtab = raw[shstrndx]!;
  const nameAt = (off: number) => {
    const start = strtab.offset + off;
    const end = b.indexOf(0, start);
    return b.toString('latin1', start, end < 0 ? start : end);
  };
  // SHT_NOBITS (.bss) has no bytes in the file.
  return raw.filter((s) => s.type !== 8 && s.size > 0).map((s) => ({ name: nameAt(s.nameOff), offset: s.offset, size: s.size }));
}

const BUILD_ID_SECTIONS = new Set(['.note.go.buildid', '.note.gnu.build-id']);

/** The first section (in file order) whose bytes differ between two ELF files, or a plainer answer. */
export function firstDifferingSection(a: Buffer, b: Buffer): string | undefined {
  if (a.equals(b)) return undefined;
  const sa = elfSections(a);
  const sb = elfSections(b);
  if (!sa || !sb) return 'the files are not both 64-bit little-endian ELF binaries';
  const byName = new Map(sb.map((s) => [s.name, s]));
  // Build IDs (Go's, and the C linker's in a cgo binary) hash everything else: they differ
  // whenever anything does, so they are named last.
  let buildIdDiffers: string | undefined;
  for (const s of [...sa].sort((x, y) => x.offset - y.offset)) {
    const o = byName.get(s.name);
    if (!o) return `section ${s.name} (only in the recorded binary)`;
    if (a.subarray(s.offset, s.offset + s.size).equals(b.subarray(o.offset, o.offset + o.size))) continue;
    if (BUILD_ID_SECTIONS.has(s.name)) buildIdDiffers ??= s.name;
    else return `section ${s.name}`;
  }
  if (buildIdDiffers) return `section ${buildIdDiffers} (only the build ID)`;
  const extra = sb.find((s) => !sa.some((x) => x.name === s.name));
  return extra ? `section ${extra.name} (only in the rebuild)` : 'the ELF headers (every section is the same)';
}
