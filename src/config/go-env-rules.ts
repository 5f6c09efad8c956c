import { ConfigError } from '../common/errors.js';
import type { EnvWithSources } from '../sandbox/env.js';

/**
 * Rules for the merged Go settings, checked before any sandbox exists, so a value Go would
 * reject fails here with one line naming the value and where it came from, instead of as a
 * confusing error from `go` deep inside a build. The rules follow cmd/go's own parsers.
 * Each rule returns a problem, or undefined when the value is fine.
 */
type Rule = (value: string) => string | undefined;

/** GOPROXY: entries split on "," or "|"; "direct" and "off" end the list (cmd/go modfetch/proxy.go). */
export function goproxyProblem(value: string): string | undefined {
  if (value.trim() === '') return undefined; // unset: Go uses its default
  let entries = 0;
  for (const raw of value.split(/[,|]/)) {
    let entry = raw.trim();
    if (entry === '') continue;
    entries++;
    if (entry === 'direct' || entry === 'off') break; // Go ignores what follows, for forward compatibility
    // Go adds https:// to a bare host such as "proxy.example.com"; single words stay keywords.
    if (/[.:/]/.test(entry) && !entry.includes(':/') && !entry.startsWith('/')) entry = `https://${entry}`;
    const problem = proxyUrlProblem(entry);
    if (problem) return problem;
  }
  return entries === 0 ? 'GOPROXY list is not the empty string, but contains no entries' : undefined;
}

function proxyUrlProblem(entry: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(entry)?.[1]?.toLowerCase();
  if (scheme === undefined) return `invalid proxy URL missing scheme: ${entry}`;
  if (!['https', 'http', 'file'].includes(scheme)) return `invalid proxy URL scheme (must be https, http, file): ${entry}`;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return `invalid proxy URL: ${entry}`;
  }
  if (scheme === 'file' && (url.search || url.hash || url.username || url.host)) return `invalid file:// proxy URL with non-path elements: ${entry}`;
  if (scheme !== 'file' && !url.host) return `invalid proxy URL missing host: ${entry}`;
  return undefined;
}

const KNOWN_SUMDBS = new Set(['sum.golang.org', 'sum.golang.google.cn']);

/** GOSUMDB: "off", or "<name>[+<hash>+<key>] [<url>]" (cmd/go modfetch/sumdb.go). */
export function gosumdbProblem(value: string): string | undefined {
  if (value === 'off' || value.trim() === '') return undefined;
  const fields = value.trim().split(/\s+/);
  if (fields.length > 2) return 'invalid GOSUMDB: too many fields';
  const [key = '', url] = fields;
  if (!key.includes('+')) {
    if (!KNOWN_SUMDBS.has(key)) return `invalid GOSUMDB: unknown database ${key}: name one Go knows, give its verifier key (name+hash+key), or use off`;
  } else {
    // name+hash+key, where the base64 key may itself contain "+" (golang.org/x/mod/sumdb/note).
    const m = /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(key);
    const raw = Buffer.from(m?.[3] ?? '', 'base64');
    if (!m || raw.length !== 33 || raw[0] !== 1) return `invalid GOSUMDB: malformed verifier key ${key}`;
  }
  if (url !== undefined) {
    const full = url.includes('://') ? url : `https://${url}`;
    if (!URL.canParse(full) || !/^https?:$/.test(new URL(full).protocol)) return `invalid sumdb URL: ${url}`;
  }
  return undefined;
}

/** GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE: comma-separated path.Match glob prefixes. */
export function patternListProblem(value: string): string | undefined {
  for (const raw of value.split(',')) {
    const pattern = raw.trim();
    if (pattern === '') continue;
    if (/\s/.test(pattern)) return `pattern ${JSON.stringify(pattern)} contains a space (separate patterns with commas)`;
    if (globProblem(pattern)) return `malformed pattern ${JSON.stringify(pattern)}: ${globProblem(pattern)}`;
  }
  return undefined;
}

/** The syntax errors Go's path.Match reports as ErrBadPattern: an unclosed class or a trailing backslash. */
function globProblem(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (++i >= pattern.length) return 'trailing backslash';
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') return 'empty character class';
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      if (j >= pattern.length) return 'unclosed [';
      i = j;
    }
  }
  return undefined;
}

/** GOFLAGS: space-separated flags, each starting with "-"; a field may be quoted (cmd/go base/goflags.go). */
export function goflagsProblem(value: string): string | undefined {
  const fields = splitQuoted(value);
  if (typeof fields === 'string') return fields;
  for (const f of fields) {
    if (!f.startsWith('-') || f === '-' || f === '--' || f.startsWith('---') || f.startsWith('-=') || f.startsWith('--=')) return `non-flag ${JSON.stringify(f)}`;
  }
  return undefined;
}

/** Go's cmd/internal/quoted.Split: whitespace-separated fields, a whole field may be in ' or ". */
function splitQuoted(s: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) return out;
    const q = s[i];
    if (q === "'" || q === '"') {
      const end = s.indexOf(q, i + 1);
      if (end < 0) return `unterminated ${q} string`;
      out.push(s.slice(i + 1, end));
      i = end + 1;
    } else {
      const start = i;
      while (i < s.length && !/\s/.test(s[i]!)) i++;
      out.push(s.slice(start, i));
    }
  }
}

/** GOAUTH: ";"-separated "off", "netrc", "git <abs dir>" or an absolute command path (Go 1.24). */
export function goauthProblem(value: string): string | undefined {
  const commands = value.split(';').map((c) => c.trim()).filter(Boolean);
  for (const command of commands) {
    const words = command.split(/\s+/);
    const [first = ''] = words;
    if (first === 'off') {
      if (commands.length > 1) return 'GOAUTH=off cannot be combined with other authentication commands';
    } else if (first === 'git') {
      if (words.length !== 2 || !words[1]!.startsWith('/')) return `${JSON.stringify(command)}: git needs exactly one absolute working directory`;
    } else if (first !== 'netrc' && !first.startsWith('/')) {
      return `${JSON.stringify(command)}: expected off, netrc, git <dir> or an absolute command path`;
    }
  }
  return undefined;
}

/** HTTP(S)_PROXY: a URL (http:// is assumed without a scheme) whose scheme net/http supports. */
export function httpProxyProblem(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const full = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(value) ? value : `http://${value}`;
  if (!URL.canParse(full)) return `invalid proxy address ${value}`;
  const url = new URL(full);
  if (!['http:', 'https:', 'socks5:', 'socks5h:'].includes(url.protocol)) return `invalid proxy address ${value}: scheme must be http, https, socks5 or socks5h`;
  if (!url.hostname) return `invalid proxy address ${value}: no host`;
  return undefined;
}

export const GO_ENV_RULES: Record<string, Rule> = {
  GOPROXY: goproxyProblem,
  GOSUMDB: gosumdbProblem,
  GOPRIVATE: patternListProblem,
  GONOPROXY: patternListProblem,
  GONOSUMDB: patternListProblem,
  GOINSECURE: patternListProblem,
  GOFLAGS: goflagsProblem,
  GOAUTH: goauthProblem,
  HTTP_PROXY: httpProxyProblem,
  HTTPS_PROXY: httpProxyProblem,
};

/** Every problem in the merged settings, one line each: `KEY="value" (from SOURCE): problem`. */
export function goEnvProblems(env: EnvWithSources): string[] {
  const out: string[] = [];
  for (const [key, rule] of Object.entries(GO_ENV_RULES)) {
    const v = env[key];
    const problem = v && rule(v.value);
    if (problem) out.push(`${key}=${JSON.stringify(v.value)} (from ${v.source}): ${problem}`);
  }
  return out;
}

/** Throws one ConfigError (exit 125) for the first bad value; fix one, then see the next. */
export function validateGoEnv(env: EnvWithSources): void {
  const [first] = goEnvProblems(env);
  if (first) throw new ConfigError(first);
}
