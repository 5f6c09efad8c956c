import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineUnavailableError } from '../common/errors.js';
import { candidateEndpoints, endpointPresent, firstAnswering, socketPath } from './discover.js';
import type { EndpointInfo } from './engine.js';

describe('candidateEndpoints', () => {
  it('tries GOBOX_HOST, then DOCKER_HOST, and nothing else when either is set', () => {
    expect(candidateEndpoints({ GOBOX_HOST: '/run/gobox/u/1000/gobox.sock', DOCKER_HOST: 'tcp://127.0.0.1:2375' }, 1000)).toEqual([
      { url: 'unix:///run/gobox/u/1000/gobox.sock', via: 'GOBOX_HOST' },
      { url: 'tcp://127.0.0.1:2375', via: 'DOCKER_HOST' },
    ]);
    expect(candidateEndpoints({ DOCKER_HOST: 'unix:///tmp/d.sock', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toEqual([
      { url: 'unix:///tmp/d.sock', via: 'DOCKER_HOST' },
    ]);
  });

  it('falls back to the system socket, then rootless Docker, then rootless Podman', () => {
    const list = candidateEndpoints({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000);
    expect(list.map((e) => e.url)).toEqual([
      'unix:///var/run/docker.sock',
      'unix:///run/user/1000/docker.sock',
      'unix:///run/user/1000/podman/podman.sock',
    ]);
    expect(list.map((e) => e.via)).toEqual(['system Docker socket', 'rootless Docker socket', 'rootless Podman socket']);
  });

  it('derives the runtime dir from the uid when XDG_RUNTIME_DIR is unset: /run/user/UID, else Podman\'s own /tmp fallback', () => {
    const uid = 4_242_421; // nobody's: logind made no /run/user for it
    const urls = candidateEndpoints({}, uid).map((e) => e.url);
    expect(urls).toContain(`unix:///tmp/podman-run-${uid}/podman/podman.sock`);
    expect(candidateEndpoints({ TMPDIR: '/var/tmp' }, uid).map((e) => e.url)).toContain(`unix:///var/tmp/podman-run-${uid}/podman/podman.sock`);
  });

  it('adds the system Podman socket last for root', () => {
    const list = candidateEndpoints({}, 0);
    expect(list[0]!.url).toBe('unix:///var/run/docker.sock');
    expect(list.at(-1)).toEqual({ url: 'unix:///run/podman/podman.sock', via: 'system Podman socket' });
  });

  it('treats an empty DOCKER_HOST as unset', () => {
    expect(candidateEndpoints({ DOCKER_HOST: '' }, 1000)[0]!.via).toBe('system Docker socket');
  });
});

describe('socketPath', () => {
  it('reads unix paths only', () => {
    expect(socketPath('unix:///var/run/docker.sock')).toBe('/var/run/docker.sock');
    expect(socketPath('tcp://127.0.0.1:2375')).toBeUndefined();
  });
});

describe('firstAnswering', () => {
  let dir: string;
  let server: net.Server;
  let live: EndpointInfo;
  let notSocket: EndpointInfo;
  const absent: EndpointInfo = { url: 'unix:///nonexistent/gobox-test/docker.sock', via: 'absent' };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-discover-'));
    const sock = path.join(dir, 'engine.sock');
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    live = { url: `unix://${sock}`, via: 'live' };
    const plain = path.join(dir, 'plain-file');
    writeFileSync(plain, '');
    notSocket = { url: `unix://${plain}`, via: 'plain file' };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees which sockets exist', () => {
    expect(endpointPresent(live)).toBe(true);
    expect(endpointPresent(absent)).toBe(false);
    expect(endpointPresent(notSocket)).toBe(false);
    expect(endpointPresent({ url: 'tcp://127.0.0.1:1', via: 'tcp' })).toBe(true);
  });

  it('skips absent sockets without connecting and returns the first that answers', async () => {
    const tried: string[] = [];
    const second: EndpointInfo = { url: 'tcp://127.0.0.1:2375', via: 'tcp' };
    const got = await firstAnswering([absent, notSocket, live, second], async (ep) => {
      tried.push(ep.via);
      return `engine at ${ep.via}`;
    });
    expect(got).toBe('engine at live');
    expect(tried).toEqual(['live']);
  });

  it('moves past an endpoint that refuses', async () => {
    const tried: string[] = [];
    const tcp: EndpointInfo = { url: 'tcp://127.0.0.1:2375', via: 'tcp' };
    const got = await firstAnswering([live, tcp], async (ep) => {
      tried.push(ep.via);
      if (ep === live) throw new Error('connect ECONNREFUSED');
      return 42;
    });
    expect(got).toBe(42);
    expect(tried).toEqual(['live', 'tcp']);
  });

  it('throws EngineUnavailableError naming every endpoint tried and why', async () => {
    const tcp: EndpointInfo = { url: 'tcp://10.0.0.1:2375', via: 'DOCKER_HOST' };
    const err = await firstAnswering([absent, live, tcp], async (ep) => {
      throw new Error(`refused by ${ep.via}`);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    const e = err as EngineUnavailableError;
    expect(e.exitCode).toBe(125);
    expect(e.message).toContain(`absent (${absent.url}): no socket`);
    expect(e.message).toContain(`live (${live.url}): refused by live`);
    expect(e.message).toContain('DOCKER_HOST (tcp://10.0.0.1:2375): refused by DOCKER_HOST');
    expect(e.hint).toBeTruthy();
  });

  it('gives a socket that refuses connections (a dead service) the chance to be started again', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    let up = false;
    const started: string[] = [];
    const got = await firstAnswering(
      [live],
      async () => {
        if (!up) throw new EngineUnavailableError('container engine unavailable', { cause: refused });
        return 'restarted';
      },
      async (ep) => {
        started.push(ep.via);
        up = true;
        return true;
      },
    );
    expect(got).toBe('restarted');
    expect(started).toEqual(['live']);
  });

  it('does not restart an engine that answered with something other than a refusal', async () => {
    const started: string[] = [];
    const err = await firstAnswering(
      [live],
      async () => {
        throw Object.assign(new Error('permission denied'), { code: 'EACCES' });
      },
      async (ep) => {
        started.push(ep.via);
        return true;
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toContain('permission denied');
    expect(started).toEqual([]);
  });

  it('names a stale socket that nothing could start', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = await firstAnswering(
      [live],
      async () => {
        throw refused;
      },
      async () => false,
    ).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`live (${live.url}): connection refused (stale socket)`);
  });

  it('throws EngineUnavailableError when there is nothing to try', async () => {
    await expect(firstAnswering([], async () => 1)).rejects.toBeInstanceOf(EngineUnavailableError);
  });
});
