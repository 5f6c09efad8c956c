/** `go version -m` of one binary: its Go version, main module, deps and build settings. */
export interface BuildInfo {
  go: string;
  lines: Map<string, string>;
}

/** Parses `go version -m A B` output into one BuildInfo per file. */
export function parseBuildInfo(text: string): Map<string, BuildInfo> {
  const out = new Map<string, BuildInfo>();
  let current: BuildInfo | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S.*?): (go\S+)$/.exec(line);
    if (head) {
      current = { go: head[2]!, lines: new Map() };
      out.set(head[1]!, current);
      continue;
    }
    const parts = line.replace(/^\t/, '').split('\t');
    if (!current || parts.length < 2) continue;
    const [kind, key, ...rest] = parts;
    if (kind === 'build') {
      const eq = key!.indexOf('=');
      current.lines.set(`build ${eq < 0 ? key : key!.slice(0, eq)}`, eq < 0 ? '' : key!.slice(eq + 1));
    } else {
      current.lines.set(`${kind} ${key}`, rest.join(' '));
    }
  }
  return out;
}

/** The differences that explain a mismatch, named the way `go version -m` names them. */
export function diffBuildInfo(recorded: BuildInfo, rebuilt: BuildInfo): string[] {
  const causes: string[] = [];
  if (recorded.go !== rebuilt.go) causes.push(`toolchain: the recorded binary was built by ${recorded.go}, the rebuild by ${rebuilt.go}`);
  const keys = [...new Set([...recorded.lines.keys(), ...rebuilt.lines.keys()])].sort();
  for (const k of keys) {
    const a = recorded.lines.get(k);
    const b = rebuilt.lines.get(k);
    if (a === b) continue;
    const show = (v: string | undefined) => (v === undefined ? '(absent)' : JSON.stringify(v));
    const what = k.startsWith('build ') ? `build setting ${k.slice(6)}` : k;
    causes.push(`${what}: recorded binary ${show(a)}, rebuild ${show(b)}`);
  }
  return causes;
}
