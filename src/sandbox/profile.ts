/**
 * The part of a profile the security contract reads. sandbox/ owns this shape instead of
 * importing config's zod type, so it depends on nothing above it; config/schema.ts checks at
 * compile time that every parsed Profile fits it. Sizes and durations are still text here
 * ("2g", "30m"): spec.ts converts them.
 */
export interface SandboxProfile {
  image: string;
  runtime?: string | undefined;
  /** Allow ptrace (debuggers); otherwise the seccomp profile forbids all tracing. */
  ptrace: boolean;
  /** Jail: project read-only, no network. */
  jail: boolean;
  /** Jail: the C compiler the image carries that a jail build may use (cgo); absent, CGO is off. */
  cToolchain?: string | undefined;
  limits: {
    memory: string | number;
    cpus: number;
    pids: number;
    nofile: number;
    fsize: string | number;
    timeout: string | number;
    tmp: string | number;
    home: string | number;
  };
}
