import { describe, expect, it } from 'vitest';
import { archiveName } from '../image/transfer.js';
import { explainMissing } from './limits-enforcement.js';
import { runtimeProblem, type RuntimeFacts } from './runtime-support.js';

const docker = (over: Partial<RuntimeFacts> = {}): RuntimeFacts => ({
  runtime: 'runsc', network: 'none', engineKind: 'docker', rootless: false, defaultRuntime: 'runc', pids: 1024,
  details: { runc: { path: 'runc', args: [] }, runsc: { path: '/usr/bin/runsc', args: ['--network=none'] } },
  ...over,
});

describe('runtimeProblem', () => {
  it('accepts the default runtime and runsc for network none', () => {
    expect(runtimeProblem(docker({ runtime: undefined }))).toBeUndefined();
    expect(runtimeProblem(docker())).toBeUndefined();
  });

  it('refuses each combination that cannot work, with the fix', () => {
    expect(runtimeProblem(docker({ network: 'open' }))?.message).toContain('runs only sandboxes with network none');
    expect(runtimeProblem(docker({ details: { runc: { path: 'runc', args: [] } } }))?.hint).toContain('"runtimeArgs":["--network=none"]');
    expect(runtimeProblem(docker({ details: { runsc: { path: '/usr/bin/runsc', args: [] } } }))?.message).toContain('without --network=none');
    expect(runtimeProblem(docker({ pids: 64 }))?.message).toContain('at least 256');
    expect(runtimeProblem(docker({ engineKind: 'podman', rootless: true }))?.message).toContain('not supported with rootless Podman');
    expect(runtimeProblem(docker({ runtime: 'kata' }))?.message).toBe('runtime kata is not registered with the docker engine (it knows: runc, runsc)');
  });
});

describe('limits explanations and archives', () => {
  it('names the cause and the fix for rootless cgroup v1', () => {
    const e = explainMissing({ kind: 'podman', rootless: true, cgroupVersion: '1' }, ['memory']);
    expect(e.reason).toContain('cgroup v1');
    expect(e.fix).toContain('cgroup v2');
    expect(explainMissing({ kind: 'docker', rootless: false, cgroupVersion: '2' }, [])).toEqual({ reason: '', fix: '' });
  });

  it('names one archive per image reference', () => {
    expect(archiveName('gobox-base:bookworm')).toBe('gobox-base_bookworm.tar');
    expect(archiveName('registry.example/x/y:1')).toBe('registry.example_x_y_1.tar');
  });
});
