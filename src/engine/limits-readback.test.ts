import { describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../sandbox/types.js';
import { fromInside, heldLimits, hostLimitFiles } from './limits-readback.js';
import { parsePodmanInfo } from './podman-info.js';
import { hasSubordinateIds } from './podman-service.js';
import { nativeRootlessOverlay, storageConfText } from './podman-storage.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('limits probe parsing', () => {
  it('maps /proc/PID/cgroup to v1 and v2 limit files', () => {
    const v1 = hostLimitFiles('8:pids:/docker/abc\n4:memory:/docker/abc\n1:cpu,cpuacct:/docker/abc\n0::/\n');
    expect(v1).toEqual({ pids: '/sys/fs/cgroup/pids/docker/abc/pids.max', memory: '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes', cpu: '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us' });
    expect(hostLimitFiles('0::/system.slice/docker-abc.scope\n').pids).toBe('/sys/fs/cgroup/system.slice/docker-abc.scope/pids.max');
  });

  it('counts a limit as held only when the kernel shows the odd value asked for', () => {
    const asked = { memoryBytes: 104857600, pids: 77, nanoCpus: 500_000_000 };
    expect(heldLimits({ source: 'host cgroup', memory: '104857600', pids: '77', cpuQuota: '50000 100000', warnings: [] }, asked)).toEqual({ memory: true, pids: true, cpu: true });
    expect(heldLimits({ source: 'container view', memory: '104857600', pids: '77', cpuQuota: '50000', warnings: [] }, asked)).toEqual({ memory: true, pids: true, cpu: true });
    expect(heldLimits({ source: 'host cgroup', memory: '9223372036854771712', pids: 'max', cpuQuota: '-1', warnings: [] }, asked)).toEqual({ memory: false, pids: false, cpu: false });
    expect(heldLimits({ source: 'none', warnings: [] }, asked)).toEqual({ memory: false, pids: false, cpu: false });
  });

  it('reads the container view from the probe output', () => {
    expect(fromInside('memory=104857600\npids=77\ncpu=50000\nprobe-done\n')).toMatchObject({ source: 'container view', memory: '104857600', pids: '77', cpuQuota: '50000' });
    expect(fromInside('probe-done\n').source).toBe('none');
  });
});

describe('rootless Podman facts', () => {
  it("reads Podman's own info: rootless, driver, runc revision, subordinate ids", () => {
    const p = parsePodmanInfo({
      host: { security: { rootless: true }, cgroupVersion: 'v1', cgroupControllers: [], ociRuntime: { name: 'runc', version: 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev' }, idMappings: { uidmap: [{ size: 1 }, { size: 65536 }] } },
      store: { graphDriverName: 'vfs', graphRoot: '/home/u/.local/share/containers/storage' },
    });
    expect(p).toMatchObject({ rootless: true, cgroupVersion: '1', storageDriver: 'vfs', runcVersion: '1.1.5+ds1-1+deb12u1', subordinateUids: 65536 });
    expect(parsePodmanInfo({}).subordinateUids).toBe(0);
  });

  it('finds subordinate ids by name or uid, and needs both files', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-subid-'));
    writeFileSync(path.join(dir, 'subuid'), 'alice:100000:65536\n1001:200000:65536\n');
    writeFileSync(path.join(dir, 'subgid'), 'alice:100000:65536\n');
    const files = { uid: path.join(dir, 'subuid'), gid: path.join(dir, 'subgid') };
    expect(hasSubordinateIds('alice', 1000, files)).toBe(true);
    expect(hasSubordinateIds('bob', 1001, files)).toBe(false);
  });

  it('sets up overlay storage natively on 5.13+, through fuse-overlayfs before', () => {
    expect(nativeRootlessOverlay('6.1.0-18-amd64')).toBe(true);
    expect(nativeRootlessOverlay('5.10.0')).toBe(false);
    expect(storageConfText(true, undefined)).toBe('[storage]\ndriver = "overlay"\n');
    expect(storageConfText(false, '/usr/bin/fuse-overlayfs')).toContain('mount_program = "/usr/bin/fuse-overlayfs"');
    expect(storageConfText(false, undefined)).toBeUndefined();
  });
});

describe('rootless Podman create options', async () => {
  const { dockerCreateOptions } = await import('./docker-options.js');
  const spec: SandboxSpec = {
    name: 'n', image: 'i', command: ['true'], workdir: '/', env: {}, labels: {}, network: 'none', tty: false, stdin: false,
    mounts: [{ kind: 'tmpfs' as const, target: '/home/gobox', sizeBytes: 1024, mode: '0700', uid: 1000, gid: 1000 }],
    limits: { memoryBytes: 1, memorySwapBytes: 1, nanoCpus: 1, pids: 1, ulimits: [], logMaxBytes: 1 },
    security: { user: '1000:1000', capDrop: ['ALL'], capAdd: [], noNewPrivileges: true, readonlyRootfs: true, init: true, seccomp: 'default' as const },
  };
  it('adds keep-id and chowns tmpfs with U only for rootless Podman', () => {
    const podman = dockerCreateOptions(spec, { usernsKeepId: true }).HostConfig!;
    expect(podman.UsernsMode).toBe('keep-id');
    expect(podman.Tmpfs!['/home/gobox']).toMatch(/,U$/);
    const docker = dockerCreateOptions(spec).HostConfig!;
    expect(docker.UsernsMode).toBeUndefined();
    expect(docker.Tmpfs!['/home/gobox']).toContain('uid=1000');
  });
});
