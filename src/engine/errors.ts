import { ConflictError, EngineUnavailableError, GoboxError, NotFoundError, errorMessage } from '../common/errors.js';

interface ModemError {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  code?: string;
  message?: string;
}

function engineText(e: ModemError): string {
  return (e.json?.message ?? e.reason ?? e.message ?? 'unknown engine error').trim();
}

/** Converts docker-modem errors (statusCode, json) into gobox's own error types. */
export function convertEngineError(e: unknown, what: string): GoboxError {
  if (e instanceof GoboxError) return e;
  const err = (e ?? {}) as ModemError;
  const code = err.code;
  if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new EngineUnavailableError(`container engine unavailable while trying to ${what}: ${code}`, {
      hint: 'start the engine (e.g. `systemctl start docker`) or set DOCKER_HOST; `gobox doctor` explains',
      cause: e,
    });
  }
  switch (err.statusCode) {
    case 404:
      return new NotFoundError(`${what}: ${engineText(err)}`, { cause: e });
    case 409:
      return new ConflictError(`${what}: ${engineText(err)}`, { cause: e });
    default:
      return new GoboxError(`engine error while trying to ${what}: ${err.statusCode ? `${err.statusCode} ` : ''}${engineText(err) || errorMessage(e)}`, { cause: e });
  }
}

export async function engineCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      // Two runs that create a user's network at one moment can both succeed; the younger twin
      // is removed at once (dockerode-networks.ts), so a name that is ambiguous for that moment
      // is asked again shortly instead of failing the run.
      if (attempt < 4 && ambiguousName(e)) {
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        continue;
      }
      throw convertEngineError(e, what);
    }
  }
}

function ambiguousName(e: unknown): boolean {
  const status = (e as { statusCode?: number }).statusCode;
  return status === 400 && e instanceof Error && /is ambiguous/.test(e.message);
}
