import { ConflictError, EngineUnavailableError, GoboxError, NotFoundError, errorMessage } from '../../common/errors.js';

/** How long one API call may take before the cluster counts as unreachable (a silent address never answers). */
const CALL_TIMEOUT_MS = 15_000;

const NETWORK_CODES = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|CERT|certificate|self.signed|UNABLE_TO_VERIFY/i;

/** The API's own sentence from an ApiException body (a JSON Status), else the error's first line. */
export function apiMessage(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  try {
    const status = typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined);
    if (status?.message) return status.message;
  } catch {
    if (typeof body === 'string' && body.trim()) return body.trim().split('\n')[0]!;
  }
  return errorMessage(e).split('\n')[0]!;
}

/** A refused, reset or unroutable connection, by its code (fetch hides it in the cause). */
function networkCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  const parts = [(e as { code?: unknown }).code, cause?.code, errorMessage(e), cause?.message];
  for (const p of parts) {
    const m = typeof p === 'string' ? NETWORK_CODES.exec(p) : null;
    if (m) return m[0];
  }
  // fetch's own network error: its cause says why (a bad port, a TLS failure, ...).
  if (errorMessage(e) === 'fetch failed') return typeof cause?.message === 'string' ? cause.message : 'fetch failed';
  return undefined;
}

/** Converts client-node errors (ApiException .code/.body, fetch errors) into gobox's own. */
export function convertKubeError(e: unknown, what: string, server: string): GoboxError {
  if (e instanceof GoboxError) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'number') {
    const text = apiMessage(e);
    if (code === 404) return new NotFoundError(`${what}: ${text}`, { cause: e });
    if (code === 409) return new ConflictError(`${what}: ${text}`, { cause: e });
    if (code === 401) return new GoboxError(`the Kubernetes API at ${server} refused the credentials of the kubeconfig while trying to ${what}: ${text}`, { cause: e });
    if (code === 403) return new GoboxError(`not allowed to ${what} (RBAC): ${text}`, { cause: e, hint: 'grant the account a Role for pods, pods/exec, pods/attach, persistentvolumeclaims and networkpolicies in the namespace' });
    return new GoboxError(`Kubernetes API error while trying to ${what}: ${code} ${text}`, { cause: e });
  }
  const net = networkCode(e);
  if (net) {
    return new EngineUnavailableError(`Kubernetes API at ${server} unreachable while trying to ${what}: ${net}`, {
      hint: 'check the cluster is up and engine.kubeconfig points at it; `gobox doctor` explains',
      cause: e,
    });
  }
  return new GoboxError(`Kubernetes error while trying to ${what}: ${errorMessage(e).split('\n')[0]}`, { cause: e });
}

/** One API call, converted errors, and never longer than CALL_TIMEOUT_MS. */
export async function kubeCall<T>(server: string, what: string, fn: () => Promise<T>, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EngineUnavailableError(`Kubernetes API at ${server} did not answer within ${timeoutMs / 1000}s while trying to ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([fn(), late]);
  } catch (e) {
    throw convertKubeError(e, what, server);
  } finally {
    clearTimeout(timer);
  }
}

/** undefined for a 404, the value otherwise. */
export async function orMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}
