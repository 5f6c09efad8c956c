import { UsageError } from '../common/errors.js';

/**
 * A Go version, split the way golang.org/x/mod (and cmd/go/internal/gover) splits it.
 * Numbers stay decimal strings so that comparison never overflows and "" can mean "absent":
 * Go orders "1.21" (language version, patch "") before "1.21rc1" before "1.21.0".
 */
export interface GoVersion {
  readonly major: string;
  readonly minor: string;
  /** "" when absent. Before Go 1.21, "1.20" means "1.20.0", so parse fills in "0" there. */
  readonly patch: string;
  /** Prerelease kind ("alpha", "beta", "rc"), "" for a release. */
  readonly kind: string;
  /** Prerelease number, "" when absent. */
  readonly pre: string;
  /** The text as given, without a "go" prefix. */
  readonly text: string;
}

/** Cuts a decimal number without leading zeros off the front of x, like gover.cutInt. */
function cutInt(x: string): [n: string, rest: string] | undefined {
  const m = /^[0-9]+/.exec(x);
  if (!m || (m[0].length > 1 && m[0].startsWith('0'))) return undefined;
  return [m[0], x.slice(m[0].length)];
}

/**
 * Parses "1.22.5", "go1.22.5", "1.21rc1", "1.21", "1.22beta1" or "1" by gover's rules;
 * undefined for anything else. A prerelease on a patch release ("1.21.3rc1") is invalid in Go too.
 */
export function parseGoVersion(text: string): GoVersion | undefined {
  const t = text.trim();
  const x0 = t.startsWith('go') ? t.slice(2) : t;
  const out = { major: '', minor: '', patch: '', kind: '', pre: '', text: x0 };

  const maj = cutInt(x0);
  if (!maj) return undefined;
  let x: string;
  [out.major, x] = maj;
  if (x === '') return { ...out, minor: '0', patch: '0' };
  if (!x.startsWith('.')) return undefined;

  const min = cutInt(x.slice(1));
  if (!min) return undefined;
  [out.minor, x] = min;
  if (x === '') {
    // Go 1.21 made "1.21" (the language) differ from "1.21.0" (the first release).
    if (cmpInt(out.minor, '21') < 0) out.patch = '0';
    return out;
  }

  if (x.startsWith('.')) {
    const pat = cutInt(x.slice(1));
    if (!pat || pat[1] !== '') return undefined;
    return { ...out, patch: pat[0] };
  }

  const k = /^[a-z]+/.exec(x);
  if (!k) return undefined;
  out.kind = k[0];
  x = x.slice(k[0].length);
  if (x === '') return out;
  const pre = cutInt(x);
  if (!pre || pre[1] !== '') return undefined;
  out.pre = pre[0];
  return out;
}

/** Compares decimal strings by length then text, as gover.cmpInt does; "" is below "0". */
function cmpInt(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Go's ordering (gover.Compare): 1.21 < 1.21rc1 < 1.21.0 < 1.21.1, 1.9 < 1.10.
 * Accepts parsed versions or text; invalid text sorts below every valid version, as in Go.
 */
export function compareGoVersions(a: GoVersion | string, b: GoVersion | string): number {
  const va = typeof a === 'string' ? parseGoVersion(a) : a;
  const vb = typeof b === 'string' ? parseGoVersion(b) : b;
  if (!va || !vb) return va ? 1 : vb ? -1 : 0;
  return (
    cmpInt(va.major, vb.major) ||
    cmpInt(va.minor, vb.minor) ||
    cmpInt(va.patch, vb.patch) ||
    // "" < "alpha" < "beta" < "rc": plain string order is Go's order here.
    cmpStr(va.kind, vb.kind) ||
    cmpInt(va.pre, vb.pre)
  );
}

/** "go1.22.5" → "1.22.5"; throws UsageError for anything that is not a Go version. */
export function normalizeGoVersion(text: string): string {
  const v = parseGoVersion(text);
  if (!v) throw new UsageError(`not a Go version: ${text}`, { hint: 'write a version like 1.22.5 or go1.22.5' });
  return v.text;
}

/** The store directory (and GOTOOLCHAIN) name of a version: "1.22.5" → "go1.22.5". */
export function toolchainName(version: string | GoVersion): string {
  return 'go' + (typeof version === 'string' ? normalizeGoVersion(version) : version.text);
}

/** True for a release (not alpha/beta/rc). */
export function isStable(v: GoVersion): boolean {
  return v.kind === '';
}

/**
 * True when `version` belongs to the family `prefix` names: "1.22" covers 1.22, 1.22rc1 and 1.22.x;
 * "1" covers every 1.x. A prefix with a patch or prerelease only covers itself.
 */
export function matchesPrefix(version: GoVersion, prefix: GoVersion): boolean {
  if (!isPrefix(prefix)) return compareGoVersions(version, prefix) === 0;
  if (version.major !== prefix.major) return false;
  return /^\d+$/.test(prefix.text) || version.minor === prefix.minor;
}

/** "1.22" or "1" (a family), as opposed to "1.22.5" or "1.22rc1" (one exact version). */
export function isPrefix(v: GoVersion): boolean {
  return /^\d+(\.\d+)?$/.test(v.text);
}

/**
 * The version `want` picks from candidates: itself if exact, else the newest of its family,
 * preferring releases over prereleases ("1.22" → 1.22.5 even when 1.22rc2 is also there).
 */
export function pickVersion<T extends { version: GoVersion }>(candidates: readonly T[], want: GoVersion): T | undefined {
  const fits = candidates.filter((c) => matchesPrefix(c.version, want));
  return newestPreferStable(fits);
}

/** Newest release if any, else newest prerelease. */
export function newestPreferStable<T extends { version: GoVersion }>(items: readonly T[]): T | undefined {
  const sorted = [...items].sort((a, b) => compareGoVersions(b.version, a.version));
  return sorted.find((c) => isStable(c.version)) ?? sorted[0];
}
