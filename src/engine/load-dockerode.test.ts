import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadDockerode } from './load-dockerode.js';

describe('loadDockerode', () => {
  it('gives a working client without loading gRPC, protobuf or ssh2 until they are used', () => {
    const Docker = loadDockerode();
    const docker = new Docker({ socketPath: '/nonexistent.sock' });
    expect(typeof docker.listContainers).toBe('function');
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.some((f) => f.includes('/dockerode/lib/docker.js'))).toBe(true);
    expect(loaded.filter((f) => /[\\/](@grpc|protobufjs|ssh2)[\\/]/.test(f))).toEqual([]);
  });

  it('loads a deferred part on its first use', () => {
    const Docker = loadDockerode();
    // An ssh:// engine host constructs docker-modem's ssh agent, which needs ssh2.
    const docker = new Docker({ protocol: 'ssh', host: 'localhost', port: 22, username: 'nobody' });
    const modem = (docker as unknown as { modem: { getAgent?: () => unknown } }).modem;
    expect(modem).toBeDefined();
    // Loading dockerode again reuses the cache and still works.
    expect(typeof loadDockerode()).toBe('function');
  });
});
