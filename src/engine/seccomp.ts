import { readFileSync } from 'node:fs';

/** The containers-common allowlist profile (Podman's default, and Docker's in substance). */
const BASE_PROFILE = '/usr/share/containers/seccomp.json';

/** Syscalls that let one process read or steer another's memory. */
const TRACING = new Set(['ptrace', 'process_vm_readv', 'process_vm_writev']);

interface SeccompRule {
  names: string[];
  action: string;
  [key: string]: unknown;
}

let cached: { json?: string } | undefined;

/**
 * The engine's default seccomp allowlist with tracing removed, as the JSON Docker takes in
 * `SecurityOpt: seccomp=...`. Docker cannot hand out its built-in profile, so the same allowlist
 * comes from the host's containers-common file; undefined when the host has none (the engine's
 * default then applies, and `gobox doctor` says tracing is allowed).
 */
export function seccompWithoutTracing(base = process.env.GOBOX_SECCOMP_BASE ?? BASE_PROFILE): string | undefined {
  if (cached) return cached.json;
  try {
    const profile = JSON.parse(readFileSync(base, 'utf8')) as { syscalls?: SeccompRule[] };
    if (!Array.isArray(profile.syscalls)) throw new Error('no syscalls list');
    profile.syscalls = profile.syscalls
      .map((rule) => (rule.action === 'SCMP_ACT_ALLOW' ? { ...rule, names: rule.names.filter((n) => !TRACING.has(n)) } : rule))
      .filter((rule) => rule.names.length > 0);
    cached = { json: JSON.stringify(profile) };
  } catch {
    cached = {};
  }
  return cached.json;
}
