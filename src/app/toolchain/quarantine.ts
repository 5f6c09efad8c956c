/**
 * Toolchains the last full verify in this process (the daemon's, at start and on SIGHUP) found
 * corrupted or untrusted, by GOROOT: runs refuse them even when the cheap check before a mount
 * passes (a finding its stat stamps cannot show, e.g. a store dir others may write).
 */
const marks = new Map<string, string>();

export function setQuarantine(bad: ReadonlyMap<string, string>): void {
  marks.clear();
  for (const [goroot, why] of bad) marks.set(goroot, why);
}

export function quarantined(goroot: string): string | undefined {
  return marks.get(goroot);
}
