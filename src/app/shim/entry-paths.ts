import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isGoboxWritten } from './path-lookup.js';
import { pathLine } from './script.js';

/** How one way of starting `go` ends: at a gobox shim, at another go, or at none. */
export type Reach = 'shim' | 'bypass' | 'none' | 'unknown';

export interface EntryPath {
  name: string;
  reach: Reach;
  /** The go this path runs, when it finds one. */
  go?: string;
  /** How this was found out (which files the shell read). */
  how: string;
  /** What makes this path reach the shim, when it does not. */
  fix?: string;
}

/** Debian's PATH for a session before any shell file ran (sshd's compiled-in default; /etc/profile sets much the same). */
const BASE_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/games';
/** systemd's PATH for a user manager before environment.d. */
const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PROBE = 'command -v go';

interface Who {
  home: string;
  user: string;
  shell: string;
}

function who(env: NodeJS.ProcessEnv): Who {
  const info = os.userInfo();
  return { home: env.HOME || info.homedir, user: info.username, shell: info.shell || '/bin/sh' };
}

/** Runs the probe in a clean environment, as a new session would; the last absolute path printed is the answer. */
function probe(argv: string[], env: Record<string, string>): Promise<string | undefined> {
  return new Promise((resolve) => {
    // execFile's stdin is a socket pair, as sshd hands a command: bash then reads ~/.bashrc for
    // `bash -c`, exactly as for `ssh host cmd` (its isnetconn check). Login and -i shells read
    // their files either way.
    const child = execFile(argv[0]!, argv.slice(1), { env, cwd: env.HOME, timeout: 5_000, encoding: 'utf8' }, (_err, stdout) => {
      resolve(stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('/')).pop());
    });
    child.stdin?.end();
  });
}

function classify(go: string | undefined, shimDir: string | undefined): Reach {
  if (!go) return 'none';
  if ((shimDir && path.dirname(go) === shimDir) || isGoboxWritten(go)) return 'shim';
  return 'bypass';
}

/** PATH lines of systemd environment.d files, applied in file-name order as systemd does. */
function environmentDPath(home: string, base: string, roots: string[]): { path: string; files: string[] } {
  const confs: string[] = [];
  for (const d of [...roots, path.join(home, '.config/environment.d')]) {
    try {
      for (const f of readdirSync(d).filter((n) => n.endsWith('.conf'))) confs.push(path.join(d, f));
    } catch {
      // no such directory
    }
  }
  confs.sort((a, b) => path.basename(a).localeCompare(path.basename(b)));
  let value = base;
  const used: string[] = [];
  for (const f of confs) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const m = /^\s*PATH\s*=\s*(.*)$/.exec(line);
      if (!m) continue;
      value = m[1]!.replace(/^"(.*)"$/, '$1').replace(/\$\{PATH(?::-[^}]*)?\}|\$PATH\b/g, value);
      used.push(f);
    }
  }
  return { path: value, files: used };
}

function firstGo(pathVar: string): string | undefined {
  for (const d of pathVar.split(':')) {
    if (!d.startsWith('/')) continue;
    const f = path.join(d, 'go');
    if (existsSync(f)) return f;
  }
  return undefined;
}

/** PATH from /etc/environment (pam_env, which sshd and logins on Debian read), else Debian's default. */
function pamPath(): string {
  try {
    const m = /^\s*PATH\s*=\s*"?([^"\n]*)"?/m.exec(readFileSync('/etc/environment', 'utf8'));
    if (m?.[1]) return m[1];
  } catch {
    // no /etc/environment
  }
  return BASE_PATH;
}

/**
 * Which ways of starting `go` reach the shim, found by starting each the way the system would,
 * as this user, in a clean environment: a login shell (/etc/profile, /etc/profile.d, ~/.profile),
 * a non-login interactive bash (/etc/bash.bashrc, ~/.bashrc), `ssh host 'go version'` (pam_env's
 * /etc/environment, then bash's ~/.bashrc up to its interactive guard), a systemd user service
 * (environment.d) and an editor's gopls (which inherits the editor's, i.e. the login environment).
 */
export async function entryPaths(shimDir: string | undefined, env: NodeJS.ProcessEnv): Promise<EntryPath[]> {
  const w = who(env);
  const clean = (pathVar: string): Record<string, string> => ({ HOME: w.home, USER: w.user, LOGNAME: w.user, SHELL: w.shell, TERM: 'dumb', PATH: pathVar, LANG: 'C.UTF-8' });
  const line = shimDir ? pathLine(shimDir) : 'export PATH=SHIM_DIR:"$PATH"';
  const bash = existsSync('/bin/bash') ? '/bin/bash' : undefined;
  const [login, interactive, ssh] = await Promise.all([
    probe([w.shell, '-lc', PROBE], clean(BASE_PATH)),
    bash ? probe([bash, '-ic', PROBE], clean(BASE_PATH)) : Promise.resolve(undefined),
    probe([w.shell, '-c', PROBE], { ...clean(pamPath()), SSH_CLIENT: '127.0.0.1 40000 22', SSH_CONNECTION: '127.0.0.1 40000 127.0.0.1 22' }),
  ]);
  const sd = environmentDPath(w.home, SYSTEMD_PATH, ['/usr/lib/environment.d', '/etc/environment.d']);
  const sdGo = firstGo(sd.path);
  const out: EntryPath[] = [];
  const add = (name: string, go: string | undefined, how: string, fix: string) => {
    const reach = classify(go, shimDir);
    out.push({ name, reach, ...(go ? { go } : {}), how, ...(reach === 'shim' ? {} : { fix }) });
  };
  add('login shell', login, `${w.shell} -l: /etc/profile, /etc/profile.d/*.sh, ~/.profile`,
    `add to ~/.profile: ${line} (Debian's ~/.profile already adds ~/.local/bin when it exists at login: log in again)`);
  if (bash) add('non-login interactive bash', interactive, 'bash -i: /etc/bash.bashrc, ~/.bashrc', `add to ~/.bashrc: ${line}`);
  else out.push({ name: 'non-login interactive bash', reach: 'unknown', how: 'no /bin/bash on this host' });
  add('ssh host go ...', ssh, `${w.shell} -c under sshd: /etc/environment (pam_env)${path.basename(w.shell) === 'bash' ? ', ~/.bashrc up to its interactive guard' : ''}`,
    path.basename(w.shell) === 'bash'
      ? `put ${line} at the very top of ~/.bashrc, before its "case $- in *i*)" guard (or, for every user: PATH in /etc/environment, or the line at the top of /etc/bash.bashrc)`
      : `${w.shell} reads no file for ssh commands: set PATH in /etc/environment (pam_env, every user), or make bash your login shell and put the line at the top of ~/.bashrc`);
  add('systemd user services', sdGo, sd.files.length ? `systemd PATH with ${sd.files.join(', ')}` : 'systemd\'s default PATH (no environment.d sets PATH)',
    `mkdir -p ~/.config/environment.d && echo 'PATH=${shimDir ?? 'SHIM_DIR'}:\${PATH}' > ~/.config/environment.d/60-gobox.conf, then log in again`);
  const ide = out[0]!;
  out.push({
    name: 'IDE / gopls', reach: ide.reach, ...(ide.go ? { go: ide.go } : {}),
    how: 'gopls runs the go on the editor\'s PATH: a desktop session and VS Code Remote-SSH give it the login environment',
    ...(ide.reach === 'shim' ? {} : { fix: `as for the login shell; or point the editor at the shim itself (VS Code: "go.alternateTools": {"go": "${shimDir ?? 'SHIM_DIR'}/go"})` }),
  });
  return out;
}
