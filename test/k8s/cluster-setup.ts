import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { TestProject } from 'vitest/node';

/**
 * The Kubernetes group's setup: a running cluster is a hard requirement (scripts/setup-k8s.sh up
 * prints its admin kubeconfig; GOBOX_K8S_KUBECONFIG names it). No test here skips itself: without
 * a cluster the whole group fails, in CI and anywhere else.
 */
const REPO = path.resolve(import.meta.dirname, '..', '..');
const GOBOX = path.join(REPO, 'dist', 'cli', 'bin.js');
const SETUP_K8S = path.join(REPO, 'scripts', 'setup-k8s.sh');
const STATE = process.env.GOBOX_IT_STATE_DIR ?? '/tmp/gobox-it-state';
const GOROOT = process.env.GOBOX_IT_GOROOT ?? '/usr/local/go';
/** Test users of this group: their own names and uids, so no other group's state is touched. */
const USERS = [
  { name: 'gobox-k8e-a', uid: 24320 },
  { name: 'gobox-k8e-b', uid: 24321 },
];

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function theNode(kubeconfig: string): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const nodes = await kc.makeApiClient(CoreV1Api).listNode();
  const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (ready.length === 0) throw new Error(`the cluster of ${kubeconfig} has no Ready node`);
  return ready[0]!.metadata!.name!;
}

/**
 * The cluster's admin kubeconfig: GOBOX_K8S_KUBECONFIG when it names one, else this machine's own
 * single-node cluster, brought up here by scripts/setup-k8s.sh (its binaries are built by
 * `setup-k8s.sh build`, part of the README's setup) with the sandbox image imported into it.
 */
function clusterKubeconfig(env: NodeJS.ProcessEnv): { kubeconfig: string; startedHere: boolean } {
  const given = process.env.GOBOX_K8S_KUBECONFIG;
  if (given) {
    if (!existsSync(given)) throw new Error(`GOBOX_K8S_KUBECONFIG names ${given}, which does not exist: run \`sudo scripts/setup-k8s.sh up\` and use the kubeconfig it prints`);
    return { kubeconfig: given, startedHere: false };
  }
  let wasUp = true;
  try {
    execFileSync('bash', [SETUP_K8S, 'status'], { stdio: 'ignore' });
  } catch {
    wasUp = false;
  }
  if (!sh('docker', ['images', '-q', 'gobox-base:bookworm']).trim()) {
    process.stderr.write('k8s setup: building the sandbox image offline (the cluster imports it from Docker)\n');
    sh(process.execPath, [GOBOX, 'image', 'build', '--offline'], env);
  }
  process.stderr.write('k8s setup: starting the single-node cluster (scripts/setup-k8s.sh up)\n');
  const out = execFileSync('bash', [SETUP_K8S, 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const kubeconfig = out.trim().split('\n').at(-1) ?? '';
  if (!existsSync(kubeconfig)) throw new Error(`scripts/setup-k8s.sh up printed no kubeconfig (last line: ${JSON.stringify(kubeconfig)})`);
  return { kubeconfig, startedHere: !wasUp };
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  if (process.getuid?.() !== 0) throw new Error('the k8s tests create test users with useradd and must run as root');
  if (!existsSync(GOBOX)) throw new Error(`${GOBOX} is missing: run npm run build first`);
  const { kubeconfig: admin, startedHere } = clusterKubeconfig({ ...process.env, GOBOX_STATE_DIR: STATE, GOBOX_AGENT: 'off' });
  mkdirSync(path.join(STATE, 'k8s'), { recursive: true, mode: 0o755 });
  chmodSync(STATE, 0o755);
  // The tests' witness reads the cluster as its admin; gobox gets the engine's own account
  // (setup-k8s.sh's engine.kubeconfig, only the Role gobox needs) where there is one beside it.
  // The test users run gobox themselves and need to read it: a test cluster's credentials only.
  const kubeconfig = path.join(STATE, 'k8s', 'admin.kubeconfig');
  copyFileSync(admin, kubeconfig);
  chmodSync(kubeconfig, 0o600);
  const engineOwn = path.join(path.dirname(admin), 'engine.kubeconfig');
  const engineKubeconfig = path.join(STATE, 'k8s', 'engine.kubeconfig');
  copyFileSync(existsSync(engineOwn) ? engineOwn : admin, engineKubeconfig);
  chmodSync(engineKubeconfig, 0o644);
  const node = await theNode(kubeconfig);
  const hostConfig = path.join(STATE, 'k8s', 'config.yaml');
  writeFileSync(hostConfig, `engine:\n  kind: kubernetes\n  kubeconfig: ${engineKubeconfig}\n  namespace: gobox\n  node: ${node}\n  startTimeout: 60s\n`);
  chmodSync(hostConfig, 0o644);
  const env = { ...process.env, GOBOX_STATE_DIR: STATE, GOBOX_AGENT: 'off' };
  const version = readFileSync(path.join(GOROOT, 'VERSION'), 'utf8').split('\n')[0]!.trim().replace(/^go/, '');
  const have = (JSON.parse(sh(process.execPath, [GOBOX, 'toolchain', 'list', '--json'], env)) as { version: string }[]).map((t) => t.version);
  if (!have.includes(version)) sh(process.execPath, [GOBOX, 'toolchain', 'import', GOROOT], env);
  const users = USERS.map((u) => {
    try {
      sh('id', ['-u', u.name]);
    } catch {
      sh('useradd', ['--create-home', '--uid', String(u.uid), '--user-group', '--shell', '/bin/sh', u.name]);
    }
    return { name: u.name, uid: Number(sh('id', ['-u', u.name]).trim()), gid: Number(sh('id', ['-g', u.name]).trim()) };
  });
  project.provide('stateDir', STATE);
  project.provide('goNew', version);
  project.provide('goOld', version);
  project.provide('testUsers', users);
  project.provide('k8sKubeconfig', kubeconfig);
  project.provide('k8sEngineKubeconfig', engineKubeconfig);
  project.provide('k8sHostConfig', hostConfig);
  project.provide('k8sNode', node);
  project.provide('k8sAdminKubeconfig', admin);
  // A cluster this setup started goes when the tests are done (its build cache and images stay).
  return startedHere ? () => void execFileSync('bash', [SETUP_K8S, 'down'], { stdio: ['ignore', 'ignore', 'inherit'] }) : undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    k8sKubeconfig: string;
    k8sEngineKubeconfig: string;
    k8sHostConfig: string;
    k8sNode: string;
    /** The cluster's own admin kubeconfig (setup-k8s.sh writes its other accounts' beside it). */
    k8sAdminKubeconfig: string;
  }
}
