import { describe, expect, it } from 'vitest';
import { collect, HELLO, makeModule, profileHome, spawnGobox } from '../helpers/gobox.js';
import { shared } from '../helpers/env.js';
import { cluster, core, k8sGobox, NS, podsWith } from './cluster.js';

const user = () => shared.users[0]!;
const PROFILES = {
  short: 'limits:\n  timeout: 4s\n',
  small: 'limits:\n  memory: 64m\n',
};

/** The phase of a pod, or undefined once it is gone. */
async function running(name: string): Promise<boolean> {
  const pod = await core().readNamespacedPod({ name, namespace: NS }).catch(() => undefined);
  return Boolean(pod?.status?.containerStatuses?.every((s) => s.state?.running));
}

async function podOf(pid: number): Promise<string> {
  let name: string | undefined;
  const end = Date.now() + 90_000;
  while (Date.now() < end) {
    name = (await podsWith({ 'gobox.pid': String(pid) }))[0];
    if (name && (await running(name))) return name;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no running pod of gobox ${pid}`);
}

describe('lifecycle on a Kubernetes cluster', () => {
  it('stops a command past the wall clock with 124', async () => {
    const r = await k8sGobox(['-p', 'short', 'run', 'sleep', '120'], { cwd: makeModule(HELLO), user: user().name, env: { XDG_CONFIG_HOME: profileHome(PROFILES, user()) } });
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/timed out after 4s/);
    expect(await podsWith({ 'gobox.owner': String(user().uid), 'gobox.kind': 'sandbox' })).toEqual([]);
  });

  it('reports an out-of-memory kill as 137 with the limit (OOMKilled from the container status)', async () => {
    // The shell holds 400 MB in a variable: past 64m the kernel kills it.
    const r = await k8sGobox(['-p', 'small', 'run', 'sh', '-c', 'x=$(head -c 400m /dev/zero | tr "\\0" a); echo ${#x}'], { cwd: makeModule(HELLO), user: user().name, env: { XDG_CONFIG_HOME: profileHome(PROFILES, user()) } });
    expect(r.code).toBe(137);
    expect(r.stderr).toMatch(/killed: out of memory, the sandbox's memory limit of 64(\.0)? ?Mi?B was reached \(OOMKilled/);
  });

  it('Ctrl-C reaches the command: gobox exits 130 and the pod is deleted', async () => {
    const child = spawnGobox(['run', 'sleep', '600'], { cwd: makeModule(HELLO), env: { GOBOX_CONFIG: cluster.hostConfig } });
    const done = collect(child);
    const pod = await podOf(child.pid!);
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(await podsWith({ 'gobox.pid': String(child.pid) })).toEqual([]);
    expect(pod).toMatch(/^gobox-/);
  });

  it('a killed client leaves its pod, and gobox gc reaps it by label and owner', async () => {
    const child = spawnGobox(['run', 'sleep', '600'], { cwd: makeModule(HELLO), env: { GOBOX_CONFIG: cluster.hostConfig } });
    const done = collect(child).catch(() => undefined);
    const pod = await podOf(child.pid!);
    child.kill('SIGKILL');
    await done;
    expect(await podsWith({ 'gobox.pid': String(child.pid) })).toEqual([pod]);
    const gc = await k8sGobox(['gc'], { cwd: '/' });
    expect(gc.code).toBe(0);
    expect(gc.stdout).toContain(`removed ${pod}`);
    expect(await podsWith({ 'gobox.pid': String(child.pid) })).toEqual([]);
  });
});
