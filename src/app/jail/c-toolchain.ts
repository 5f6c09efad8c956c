import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResourceDescriptor } from './provenance-schema.js';

/** The C toolchain a cgo jail build used, as the jail itself reported it (sandbox/jail-spec.ts JAIL_CC_SCRIPT). */
export interface CToolchainFacts {
  compiler: string;
  /** The first line of `$CC --version`, e.g. "gcc (Debian 12.2.0-14+deb12u1) 12.2.0". */
  versionLine: string;
  /** Debian packages of the compiler and of libc6-dev, with their versions. */
  packages: { name: string; version: string }[];
}

export const C_TOOLCHAIN_DEP = 'c-toolchain';

export async function readCToolchain(metaDir: string, compiler: string): Promise<CToolchainFacts> {
  const text = (f: string) => readFile(path.join(metaDir, f), 'utf8').catch(() => '');
  const packages = (await text('cc-packages.txt')).split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w.length === 2 && w[0] && w[1]).map(([name, version]) => ({ name: name!, version: version! }));
  return { compiler, versionLine: (await text('cc-version.txt')).trim(), packages };
}

/** resolvedDependencies for it: the compiler (with its --version line) and each package as a Debian purl. */
export function cToolchainDeps(c: CToolchainFacts): ResourceDescriptor[] {
  const deps: ResourceDescriptor[] = [{ name: C_TOOLCHAIN_DEP, uri: `pkg:generic/${c.compiler}`, annotations: { versionLine: c.versionLine, CC: c.compiler } }];
  for (const p of c.packages) deps.push({ name: `${C_TOOLCHAIN_DEP}:${p.name}`, uri: `pkg:deb/debian/${p.name}@${encodeURIComponent(p.version)}` });
  return deps;
}

/**
 * Go's words when every file of a package needs cgo and cgo is off: the jail's one line says why
 * (files that import "C" are left out with CGO_ENABLED=0) and what would allow it.
 */
export function cgoOff(stderr: string): string | undefined {
  return /build constraints exclude all Go files in (\S+)/.exec(stderr)?.[1];
}
