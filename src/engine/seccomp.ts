import { readFileSync } from 'node:fs';

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

let cached: { json?: string } | undefined;

/**
 * The engine's default seccomp allowlist with tracing removed (and everything Docker's default
 * withholds from a process without capabilities kept out), as the JSON Docker takes in
 * `SecurityOpt: seccomp=...`. Docker cannot hand out its built-in profile, so the same allowlist
 * comes from the host's containers-common file; undefined when the host has none (the engine's
 * default then applies, and `gobox doctor` says tracing is allowed).
 */
export function seccompWithoutTracing(base = process.env.GOBOX_SECCOMP_BASE ?? BASE_PROFILE): string | undefined {
  if (cached) return cached.json;
  try {
    const profile = JSON.parse(readFileSync(base, 'utf8')) as { syscalls?: SeccompRule[] };
    if (!Array.isArray(profile.syscalls)) throw new Error('no syscalls list');
    profile.syscalls = [
      ...profile.syscalls
        .map((rule) => (rule.action === 'SCMP_ACT_ALLOW' ? { ...rule, names: rule.names.filter((n) => !REMOVED.has(n)) } : rule))
        .filter((rule) => rule.names.length > 0),
      ...DOCKER_CLONE_RULES,
    ];
    cached = { json: JSON.stringify(profile) };
  } catch {
    cached = {};
  }
  return cached.json;
}
