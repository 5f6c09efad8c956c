import { statSync } from 'node:fs';
import path from 'node:path';
import { EngineUnavailableError, GoboxError, errorMessage } from '../common/errors.js';
import type { EndpointInfo } from './engine.js';
import { rootlessRuntimeDir } from './runtime-dir.js';

/**
 * Where an engine may be, in the order they are tried (as testcontainers does): explicit
 * settings first, then the system socket, then the user's own rootless sockets.
 */
export function candidateEndpoints(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): EndpointInfo[] {
  const list: EndpointInfo[] = [];
  if (env.GOBOX_HOST) list.push({ url: normalizeUrl(env.GOBOX_HOST), via: 'GOBOX_HOST' });
  if (env.DOCKER_HOST) list.push({ url: normalizeUrl(env.DOCKER_HOST), via: 'DOCKER_HOST' });
  // An explicit setting is a decision: don't fall back past it to some other engine.
  if (list.length) return list;
  const runtimeDir = rootlessRuntimeDir(env, uid);
  // GOBOX_ENGINE=podman: the user's own rootless Podman (started on demand), even in the docker group.
  if (env.GOBOX_ENGINE === 'podman') {
    if (uid === 0) return [{ url: 'unix:///run/podman/podman.sock', via: 'system Podman socket' }];
    return [{ url: `unix://${path.join(runtimeDir, 'podman', 'podman.sock')}`, via: 'rootless Podman socket' }];
  }
  list.push({ url: 'unix:///var/run/docker.sock', via: 'system Docker socket' });
  list.push({ url: `unix://${path.join(runtimeDir, 'docker.sock')}`, via: 'rootless Docker socket' });
  list.push({ url: `unix://${path.join(runtimeDir, 'podman', 'podman.sock')}`, via: 'rootless Podman socket' });
  if (uid === 0) list.push({ url: 'unix:///run/podman/podman.sock', via: 'system Podman socket' });
  return list;
}

function normalizeUrl(raw: string): string {
  if (raw.startsWith('/')) return `unix://${raw}`;
  return raw;
}

export function socketPath(url: string): string | undefined {
  return url.startsWith('unix://') ? url.slice('unix://'.length) : undefined;
}

/** Cheap pre-check so absent sockets are skipped without a connection attempt. */
export function endpointPresent(ep: EndpointInfo): boolean {
  const sock = socketPath(ep.url);
  if (!sock) return true;
  try {
    return statSync(sock).isSocket();
  } catch {
    return false;
  }
}

/**
 * The first candidate that answers. `startAbsent` may bring up a missing socket (the user's
 * rootless Podman service) and says whether it did; its error is recorded like a failed connect.
 * A socket that refuses connections is left over from a service that died (killed, OOM, a
 * logout that ended it), so it gets the same chance to be started again.
 */
export async function firstAnswering<T>(
  candidates: EndpointInfo[],
  connect: (ep: EndpointInfo) => Promise<T>,
  startAbsent?: (ep: EndpointInfo) => Promise<boolean>,
): Promise<T> {
  const tried: string[] = [];
  // The fix of a specific failure (e.g. the user's rootless Podman cannot start) beats the generic one.
  let hint: string | undefined;
  for (const ep of candidates) {
    if (endpointPresent(ep)) {
      try {
        return await connect(ep);
      } catch (e) {
        if (!startAbsent || !refusedConnection(e)) {
          tried.push(`${ep.via} (${ep.url}): ${errorMessage(e)}`);
          continue;
        }
      }
    }
    let started = false;
    try {
      started = (await startAbsent?.(ep)) ?? false;
    } catch (e) {
      tried.push(`${ep.via} (${ep.url}): ${errorMessage(e)}`);
      hint ??= e instanceof GoboxError ? e.hint : undefined;
      continue;
    }
    if (!started) {
      tried.push(`${ep.via} (${ep.url}): ${endpointPresent(ep) ? 'connection refused (stale socket)' : 'no socket'}`);
      continue;
    }
    try {
      return await connect(ep);
    } catch (e) {
      tried.push(`${ep.via} (${ep.url}): ${errorMessage(e)}`);
    }
  }
  throw new EngineUnavailableError(`no container engine answered; tried ${tried.join('; ')}`, {
    hint: hint ?? 'start Docker (`dockerd` or `systemctl start docker`), or set DOCKER_HOST to a Docker or Podman socket',
  });
}

/** A socket file nobody listens on: ECONNREFUSED, directly or as the cause of gobox's error. */
function refusedConnection(e: unknown): boolean {
  for (let cur: unknown = e; cur && typeof cur === 'object'; cur = (cur as { cause?: unknown }).cause) {
    if ((cur as { code?: unknown }).code === 'ECONNREFUSED') return true;
  }
  return false;
}
