/**
 * One error hierarchy for gobox. Every error that reaches the top-level handler in
 * cli/main.ts is printed as one line (plus an optional hint) and mapped to an exit code.
 * 125 is "gobox itself failed" (config, engine, image, toolchain), as DESIGN.md says.
 */
export const EXIT = {
  ok: 0,
  timeout: 124,
  gobox: 125,
  notExecutable: 126,
  notFound: 127,
  interrupted: 130,
  killed: 137,
} as const;

/**
 * `gobox toolchain verify`'s own exit status: bits that add up, as nix's `store verify` does.
 * corrupted: changed, missing or extra files; untrusted: owners, modes, setuid, devices, symlinks,
 * the store's path; unchecked: not installed, unreadable, no manifest yet, or a repair that failed.
 * Documented in docs/toolchain-store.md.
 */
export const VERIFY_EXIT = { ok: 0, corrupted: 1, untrusted: 2, unchecked: 4 } as const;

export class GoboxError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.exitCode = opts.exitCode ?? EXIT.gobox;
    this.hint = opts.hint;
  }
}

/** Bad input from the command line or a file the user gave. */
export class UsageError extends GoboxError {}
/** A profile or host config that does not validate; the message names file and field. */
export class ConfigError extends GoboxError {}
/** No engine answered, or it went away mid-run. */
export class EngineUnavailableError extends GoboxError {}
export class NotFoundError extends GoboxError {}
export class ConflictError extends GoboxError {}
export class ToolchainError extends GoboxError {}
export class ImageError extends GoboxError {}
export class CacheError extends GoboxError {}
export class PolicyError extends GoboxError {}
/** The host's user or group database could not be read (NSS, sssd or LDAP down, getent missing). */
export class UserLookupError extends GoboxError {}
/** A bug in gobox: printed with its stack. */
export class InternalError extends GoboxError {}

/** The sandboxed command ended; carries its exit code through to gobox's own. */
export class CommandExit extends GoboxError {
  constructor(exitCode: number, message = '') {
    super(message, { exitCode });
  }
}

export function isGoboxError(e: unknown): e is GoboxError {
  return e instanceof GoboxError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
