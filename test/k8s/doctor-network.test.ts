import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELLO, makeModule, profileHome } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { cluster, core, k8sGobox } from './cluster.js';

interface Finding { check: string; status: string; detail: string; fix: string }

async function doctor(): Promise<{ mode: string; findings: Finding[] }> {
  const r = await k8sGobox(['doctor', '--json'], { cwd: '/' });
  return JSON.parse(r.stdout) as { mode: string; findings: Finding[] };
}

describe('doctor and NetworkPolicy on a Kubernetes cluster', () => {
  it('reports the API, namespace, RBAC, storage and the toolchain volume', async () => {
    const d = await doctor();
    expect(d.mode).toMatch(/^direct \(kubernetes via kubeconfig /);
    const by = (c: string) => d.findings.find((f) => f.check === c);
    expect(by('kubernetes api')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^Kubernetes v1\.\d+/) });
    expect(by('namespace')).toMatchObject({ status: 'ok', detail: 'gobox exists' });
    expect(by('rbac')).toMatchObject({ status: 'ok', detail: expect.stringContaining('create pods/exec') });
    expect(by('storage')?.status).toBe('ok');
    expect(by('toolchain volume')).toMatchObject({ status: 'ok' });
    expect(by('node')).toMatchObject({ status: 'ok', detail: expect.stringContaining(cluster.node) });
  });

  it('network none: what doctor says about enforcement is what a sandbox measures', async () => {
    const policy = (await doctor()).findings.find((f) => f.check === 'network policy')!;
    // The API server on the node's own address, outside the pod network: network none's policy
    // denies the way there (the kubeconfig's address may be the host's loopback, not the pod's way out).
    const api = new URL(readFileSync(cluster.kubeconfig, 'utf8').match(/server: (\S+)/)![1]!);
    const node = await core().readNode({ name: cluster.node });
    const ip = node.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    const home = profileHome({ offline: 'network: none\n' }, shared.users[0]!);
    const probe = `if timeout 5 bash -c '</dev/tcp/${ip}/${api.port || 443}' 2>/dev/null; then echo reached; else echo blocked; fi`;
    const r = await k8sGobox(['-p', 'offline', 'run', 'sh', '-c', probe], { cwd: makeModule(HELLO), user: shared.users[0]!.name, env: { XDG_CONFIG_HOME: home } });
    expect(r.code).toBe(0);
    if (policy.status === 'ok') {
      expect(r.stdout.trim()).toBe('blocked');
    } else {
      // Not enforced: doctor warns so, and the sandbox indeed gets out.
      expect(policy.detail).toMatch(/^not enforced by this CNI|^not verified/);
      expect(r.stdout.trim()).toBe('reached');
    }
  });
});
