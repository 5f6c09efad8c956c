// (d) go through the shim (gobox shim install): what an editor's gopls and a user's plain `go`
// pay per call, against a hand-written `docker run ... go version` measured in the same rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './proc.mjs';
import { gobox } from './setup.mjs';
import { fmtMs, fmtRatio } from './stats.mjs';

/** Installs the shims in a temp dir (record in a temp HOME); returns { dir, env, remove }. */
export function installShims(s) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'gobox-bench-shim-home-'));
  const dir = path.join(home, 'bin');
  const env = { ...s.env, HOME: home, PATH: `${dir}:${s.env.PATH ?? '/usr/bin:/bin'}` };
  gobox(['shim', 'install', '--dir', dir], { env });
  return { dir, env, remove: () => (gobox(['shim', 'remove'], { env, allowFail: true }), rmSync(home, { recursive: true, force: true })) };
}

/** `go ARGS` through the installed shim, in the bench project: { argv, opts } for run(). */
export function shimGo(s, shim, args, expect, extra = {}) {
  return { argv: [path.join(shim.dir, 'go'), ...args], opts: { cwd: s.project, env: { ...shim.env, ...extra }, expect } };
}

/**
 * The variants of (d). go version and go env GOPATH are answered from a kept answer after the
 * first call (app/shim/answer-cache.ts); "no kept answer" (GOBOX_SHIM_ANSWERS=off) shows what a
 * call costs through the agent and a fresh sandbox. go list -m reads the project, so it always
 * runs in a fresh sandbox.
 */
export function shimVariants(s, shim, docker, goVersion, agentSettled) {
  const via = (args, expect, extra) => shimGo(s, shim, args, expect, extra);
  const noAnswers = { GOBOX_SHIM_ANSWERS: 'off' };
  return [
    docker,
    { key: 'version', cmd: () => via(['version'], goVersion) },
    { key: 'gopath', cmd: () => via(['env', 'GOPATH'], /^\/\S+\n$/) },
    { key: 'versionFresh', cmd: () => via(['version'], goVersion, noAnswers), after: agentSettled },
    { key: 'list', cmd: () => via(['list', '-m'], /^example\.com\/gobox-bench\n$/), after: agentSettled },
    { key: 'node', cmd: () => ({ argv: [process.execPath, '-e', '0'] }) },
  ];
}

/** One call of each with GOBOX_SHIM_TIMINGS=1: the shim's own step lines; each after the agent settled, as in (d). */
export function shimSteps(s, shim, agentSettled) {
  const one = (args, extra = {}) => {
    agentSettled();
    const r = run([path.join(shim.dir, 'go'), ...args], { cwd: s.project, env: { ...shim.env, GOBOX_SHIM_TIMINGS: '1', ...extra } });
    return { ms: r.ms, steps: r.stderr.split('\n').filter((l) => l.includes(' took ')) };
  };
  return [
    ['go version (kept answer)', one(['version'])],
    ['go version (no kept answer)', one(['version'], { GOBOX_SHIM_ANSWERS: 'off' })],
    ['go list -m', one(['list', '-m'])],
  ];
}

export function shimRows(res, row) {
  const r = (key) => fmtRatio(res[key].median / res.docker.median);
  const pass = (key) => (res[key].median / res.docker.median <= 0.35 ? 'PASS' : 'MISS');
  return [
    row('(d) go through the shim', 'docker run, gobox\'s flags, go version', res.docker),
    row('', 'node -e 0 (Node start-up)', res.node),
    row('', 'shim: go version', res.version, `${r('version')} of docker`, '≤0.35x', pass('version')),
    row('', 'shim: go env GOPATH', res.gopath, `${r('gopath')} of docker`, '≤0.35x', pass('gopath')),
    row('', 'shim: go list -m (fresh sandbox)', res.list, `${r('list')} of docker`, '≤0.35x', pass('list')),
    row('', 'shim: go version, no kept answer', res.versionFresh, `${r('versionFresh')} of docker`),
  ];
}

export function shimBreakdown(steps) {
  const out = ['where a call through the shim spends its time (GOBOX_SHIM_TIMINGS=1, one call each; "done at" counts from Node\'s start):'];
  for (const [name, { ms, steps: lines }] of steps) {
    out.push(`  ${name}, ${fmtMs(ms)} in all:`);
    const last = Math.max(0, ...lines.map((l) => Number(/done at \+(\d+)ms/.exec(l)?.[1] ?? 0)));
    const first = lines.length ? Number(/done at \+(\d+)ms/.exec(lines[0])?.[1] ?? 0) - Number(/ took ([\d.]+)ms/.exec(lines[0])?.[1] ?? 0) : 0;
    out.push(`    sh shim + Node start-up + loading the shim entry: ${fmtMs(first)}`);
    out.push(...lines.map((l) => `    ${l.replace(/^gobox: shim: /, '')}`));
    out.push(`    after the last step until exit (as seen by the bench): ${fmtMs(ms - last)}`);
  }
  return out;
}
