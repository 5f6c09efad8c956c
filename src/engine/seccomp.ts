import { readFileSync } from 'node:fs';
import { ConfigError, errorMessage } from '../common/errors.js';

/** The containers-common allowlist profile (Podman's default, and Docker's in substance). */
const BASE_PROFILE = '/usr/share/containers/seccomp.json';

/** Syscalls that let one process read or steer another's memory. */
const TRACING = ['ptrace', 'process_vm_readv', 'process_vm_writev'];

/**
 * What the containers-common profile allows but Docker's own default keeps from a process
 * without capabilities: namespaces, mounts, keyrings and the kernel log. They stay out, so the
 * profile is never weaker than Docker's default; clone and clone3 get Docker's own rules below.
 */
const DOCKER_WITHHOLDS = [
  'unshare', 'setns', 'mount', 'umount', 'umount2', 'pivot_root', 'fsopen', 'fsmount', 'fsconfig', 'fspick',
  'move_mount', 'mount_setattr', 'open_tree', 'keyctl', 'add_key', 'request_key', 'syslog', 'clone', 'clone3',
];
const REMOVED = new Set([...TRACING, ...DOCKER_WITHHOLDS]);

/** CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP: clone is allowed only without them. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const DOCKER_CLONE_RULES = [
  { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
  // ENOSYS, as Docker answers: libc then falls back to clone, whose flags can be checked.
  { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
];

interface SeccompRule {
  names: string[];
  action: string;
  [key: string]: unknown;
}

let cached: { json?: string; error?: ConfigError } | undefined;

/**
 * The engine's default seccomp allowlist with tracing removed (and everything Docker's default
 * withholds from a process without capabilities kept out), as the JSON Docker takes in
 * `SecurityOpt: seccomp=...`. Docker cannot hand out its built-in profile, so the same allowlist
 * comes from the host's containers-common file; undefined when the host has none (the engine's
 * default then applies, and `gobox doctor` says tracing is allowed).
 *
 * A file that is there but does not parse throws a ConfigError instead: quietly falling back
 * would drop the no-tracing hardening while every sandbox still looked hardened.
 */
export function seccompWithoutTracing(base = process.env.GOBOX_SECCOMP_BASE ?? BASE_PROFILE): string | undefined {
  if (!cached) cached = loadProfile(base);
  if (cached.error) throw cached.error;
  return cached.json;
}

function loadProfile(base: string): { json?: string; error?: ConfigError } {
  let text: string;
  try {
    text = readFileSync(base, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { error: broken(base, (e as NodeJS.ErrnoException).code ?? errorMessage(e)) };
  }
  try {
    const profile = JSON.parse(text) as { syscalls?: SeccompRule[] };
    if (!Array.isArray(profile?.syscalls) || !profile.syscalls.every((r) => Array.isArray(r?.names) && typeof r.action === 'string')) {
      throw new Error('no syscalls list of {names, action} rules');
    }
    profile.syscalls = [
      ...profile.syscalls
        .map((rule) => (rule.action === 'SCMP_ACT_ALLOW' ? { ...rule, names: rule.names.filter((n) => !REMOVED.has(n)) } : rule))
        .filter((rule) => rule.names.length > 0),
      ...DOCKER_CLONE_RULES,
    ];
    return { json: JSON.stringify(profile) };
  } catch (e) {
    return { error: broken(base, errorMessage(e)) };
  }
}

function broken(base: string, why: string): ConfigError {
  return new ConfigError(`seccomp profile ${base} is not usable (${why}); sandboxes would lose the no-tracing hardening, so none is started`, {
    hint: 'repair it (apt-get install --reinstall golang-github-containers-common), or point GOBOX_SECCOMP_BASE at a good copy; a profile with ptrace: true does not need it',
  });
}
