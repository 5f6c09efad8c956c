/**
 * runc before 1.1.12 lets a container escape through a leaked working-directory fd
 * (CVE-2024-21626). Debian backported the fix to bookworm's 1.1.5 as revision deb12u1, so a
 * Debian build at or past that revision counts as fixed.
 */
export function runcVerdict(version: string | undefined): { ok: boolean; detail: string } {
  if (!version) return { ok: false, detail: 'the engine did not report its runc version' };
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return { ok: false, detail: `cannot read runc version ${version}` };
  const [maj, min, pat] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const current = maj > 1 || (maj === 1 && (min > 1 || (min === 1 && pat >= 12)));
  if (current) return { ok: true, detail: `runc ${version}` };
  const deb = /deb12u(\d+)/.exec(version);
  if (maj === 1 && min === 1 && pat === 5 && deb && Number(deb[1]) >= 1) {
    return { ok: true, detail: `runc ${version}: older than 1.1.12, but Debian's build carries the CVE-2024-21626 fix` };
  }
  return { ok: false, detail: `runc ${version} is older than 1.1.12 (CVE-2024-21626)` };
}
