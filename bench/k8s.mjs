#!/usr/bin/env node
// `node bench/k8s.mjs`: gobox on a Kubernetes cluster against gobox on local Docker, side by side
// in one run, and the cost of the project sync (issue 13). A report, no target yet: the first figure.
//
//   GOBOX_K8S_KUBECONFIG  the cluster's kubeconfig (scripts/setup-k8s.sh up prints it); required
//   GOBOX_STATE_DIR       a toolchain store holding the Go to use; required (the nodes mount it)
//   BENCH_RUNS=5          rounds per variant
//   BENCH_USER            the (existing, non-root) owner of the scratch modules; default gobox-k8e-a
//   BENCH_JSON=1          also print the results as JSON
//
// gobox runs as root on a module the bench user owns, so both engines run the sandbox as that user.
import { chmodSync, copyFileSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { BenchError, run } from './lib/proc.mjs';
import { CLI, log } from './lib/setup.mjs';
import { fmtMs, fmtRatio, summary, table } from './lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const kubeconfig = process.env.GOBOX_K8S_KUBECONFIG;
const stateDir = process.env.GOBOX_STATE_DIR;

async function main() {
  if (!kubeconfig || !existsSync(kubeconfig)) throw new BenchError('set GOBOX_K8S_KUBECONFIG to a running cluster\'s kubeconfig (scripts/setup-k8s.sh up prints it)');
  if (!stateDir) throw new BenchError('set GOBOX_STATE_DIR to a toolchain store (the nodes mount it read-only)');
  const name = process.env.BENCH_USER ?? 'gobox-k8e-a';
  const uid = Number(run(['id', '-u', name]).stdout.trim());
  const gid = Number(run(['id', '-g', name]).stdout.trim());
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gobox-k8e-bench-'));
  chmodSync(tmp, 0o755);
  try {
    const kc = path.join(tmp, 'kubeconfig');
    copyFileSync(kubeconfig, kc);
    const node = await firstNode(kc);
    const k8sConfig = path.join(tmp, 'config.yaml');
    writeFileSync(k8sConfig, `engine:\n  kind: kubernetes\n  kubeconfig: ${kc}\n  node: ${node}\n  syncLimit: 128m\n`);
    const module = (files, big = 0) => {
      const dir = mkdtempSync(path.join(tmp, 'mod-'));
      for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
      if (big) {
        // Incompressible, as build outputs and assets are.
        const fd = openSync(path.join(dir, 'blob.bin'), 'w');
        for (let left = big; left > 0; left -= 1 << 20) writeSync(fd, randomBytes(Math.min(left, 1 << 20)));
        closeSync(fd);
      }
      run(['chown', '-R', `${uid}:${gid}`, dir]);
      return dir;
    };
    const hello = { 'go.mod': 'module example.com/hello\n\ngo 1.22\n', 'main.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' };
    const small = module(hello);
    const oneMB = module(hello, 1 << 20);
    const fiftyMB = module(hello, 50 << 20);
    const env = (k8s) => {
      const e = { ...process.env, GOBOX_STATE_DIR: stateDir, GOBOX_AGENT: 'off' };
      delete e.SUDO_UID;
      delete e.SUDO_GID;
      if (k8s) e.GOBOX_CONFIG = k8sConfig;
      else delete e.GOBOX_CONFIG;
      return e;
    };
    const g = (k8s, dir, args, expect) => run([process.execPath, CLI, 'run', ...args], { cwd: dir, env: env(k8s), ...(expect ? { expect } : {}) }).ms;
    const variants = [
      ['go version', 'docker', () => g(false, small, ['go', 'version'], /go version/)],
      ['go version', 'kubernetes', () => g(true, small, ['go', 'version'], /go version/)],
      ['warm go build', 'docker', () => g(false, small, ['go', 'build', '-o', 'hello', '.'])],
      ['warm go build', 'kubernetes', () => g(true, small, ['go', 'build', '-o', 'hello', '.'])],
      ['run true, tiny project', 'kubernetes', () => g(true, small, ['true'])],
      ['run true, 1 MB project', 'kubernetes', () => g(true, oneMB, ['true'])],
      ['run true, 50 MB project', 'kubernetes', () => g(true, fiftyMB, ['true'])],
    ];
    log('priming: one untimed run of each variant (image, cache claim, build cache)');
    for (const [, , f] of variants) f();
    const samples = variants.map(() => []);
    for (let i = 0; i < RUNS; i++) {
      log(`round ${i + 1}/${RUNS}`);
      for (let j = 0; j < variants.length; j++) {
        const k = (i + j) % variants.length;
        samples[k].push(variants[k][2]());
      }
    }
    const s = samples.map(summary);
    const by = (what, eng) => s[variants.findIndex(([w, e]) => w === what && e === eng)];
    const rows = variants.map(([what, eng], i) => [what, eng, fmtMs(s[i].median), fmtMs(s[i].min), String(s[i].runs)]);
    process.stdout.write(`${table(['what', 'engine', 'median', 'min', 'runs'], rows, new Set([2, 3, 4]))}\n\n`);
    const ratio = (what) => fmtRatio(by(what, 'kubernetes').median / by(what, 'docker').median);
    const tiny = by('run true, tiny project', 'kubernetes').median;
    process.stdout.write(`kubernetes / docker: go version ${ratio('go version')}, warm go build ${ratio('warm go build')}\n`);
    process.stdout.write(`project sync (over a tiny project): 1 MB +${fmtMs(by('run true, 1 MB project', 'kubernetes').median - tiny)}, 50 MB +${fmtMs(by('run true, 50 MB project', 'kubernetes').median - tiny)}\n`);
    if (process.env.BENCH_JSON) process.stdout.write(`${JSON.stringify(Object.fromEntries(variants.map(([w, e], i) => [`${w} (${e})`, s[i]])), null, 2)}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The cluster's node, for engine.node (the test cluster has no scheduler). */
async function firstNode(kc) {
  const k = new KubeConfig();
  k.loadFromFile(kc);
  const nodes = await k.makeApiClient(CoreV1Api).listNode();
  if (!nodes.items.length) throw new BenchError('the cluster has no node');
  return nodes.items[0].metadata.name;
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof BenchError ? e.message : e.stack}\n`);
  process.exitCode = 1;
});
