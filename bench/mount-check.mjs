#!/usr/bin/env node
// `npm run bench:mount`: the check before every mount (src/toolchain/mount-check.ts), side by
// side in one run, as ratios. Not a test: it prints a report and exits 0 whatever the numbers.
//
//   first call    a fresh process's check: read, validate and prove the manifest, then lstat
//                 every entry (a one-shot `gobox run`, the first run an agent serves)
//   later calls   the same process again (the agent, the daemon): the manifest was proven for
//                 this version of its file (proven-manifests.ts), every entry is lstat'ed again
//   lstat only    a bare loop of lstat over the same paths: the floor for a check that stats
//                 every entry
//   watched       the same process once it opted in as the agent and the daemon do
//                 (mount-watch.ts): the first watched call arms a watch per dir and stats every
//                 entry; later ones, the tree untouched, stat only the store's path and the GOROOT
//
//   BENCH_RUNS=9          fresh processes (each gives one first call and the median of 5 later ones)
//   GOBOX_STATE_DIR       the store to check (else the host's Go imported into a temporary one)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib/proc.mjs';
import { fmtMs, fmtRatio, median, table } from './lib/stats.mjs';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const CLI = path.join(DIST, 'cli', 'bin.js');
const RUNS = Number(process.env.BENCH_RUNS || 9);

/** One fresh process: its first check, then five more, then a bare lstat loop; JSON on stdout. */
const CHILD = `
import { checkBeforeMount } from ${JSON.stringify(path.join(DIST, 'toolchain', 'mount-check.js'))};
import { readManifest } from ${JSON.stringify(path.join(DIST, 'toolchain', 'manifest.js'))};
import { watchToolchainsForMounts } from ${JSON.stringify(path.join(DIST, 'toolchain', 'mount-watch.js'))};
import { lstatSync } from 'node:fs';
const [goroot, version] = process.argv.slice(1);
const time = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };
const first = await time(() => checkBeforeMount(goroot, version));
const later = [];
for (let i = 0; i < 5; i++) later.push(await time(() => checkBeforeMount(goroot, version)));
const m = await readManifest(goroot.slice(0, goroot.lastIndexOf('/')), goroot.slice(goroot.lastIndexOf('/') + 1));
const paths = m.entries.map((e) => goroot + '/' + e[1]);
const bare = await time(() => { for (const p of paths) lstatSync(p, { throwIfNoEntry: false }); });
later.sort((a, b) => a - b);
watchToolchainsForMounts();
const armed = await time(() => checkBeforeMount(goroot, version));
const watched = [];
for (let i = 0; i < 5; i++) watched.push(await time(() => checkBeforeMount(goroot, version)));
watched.sort((a, b) => a - b);
console.log(JSON.stringify({ first, later: later[2], bare, armed, watched: watched[2], entries: paths.length }));
`;

function store() {
  if (process.env.GOBOX_STATE_DIR) return { dir: process.env.GOBOX_STATE_DIR, cleanup: () => {} };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gobox-bench-mount-'));
  const goroot = run(['go', 'env', 'GOROOT']).stdout.trim();
  run([process.execPath, CLI, 'toolchain', 'import', goroot], { env: { ...process.env, GOBOX_STATE_DIR: dir } });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const s = store();
try {
  const list = JSON.parse(run([process.execPath, CLI, 'toolchain', 'list', '--json'], { env: { ...process.env, GOBOX_STATE_DIR: s.dir } }).stdout);
  if (!list.length) throw new Error(`no toolchain in ${s.dir}`);
  const tc = list[0];
  const samples = [];
  for (let i = 0; i < RUNS; i++) samples.push(JSON.parse(run([process.execPath, '--input-type=module', '-e', CHILD, tc.path, tc.version]).stdout));
  const med = (k) => median(samples.map((x) => x[k]));
  const [first, later, bare, armed, watched] = [med('first'), med('later'), med('bare'), med('armed'), med('watched')];
  console.log(`gobox bench: the check before a mount, ${tc.name} (${samples[0].entries} entries), medians of ${RUNS} fresh processes; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('');
  console.log(table(['variant', 'median', 'ratio'], [
    ['first call in a process (read + prove the manifest, lstat every entry)', fmtMs(first), '1.00x'],
    ['later calls in the same process (manifest proven already, lstat every entry)', fmtMs(later), `${fmtRatio(later / first)} of the first`],
    ['a bare lstat loop over the same entries (the floor)', fmtMs(bare), `${fmtRatio(bare / first)} of the first`],
    ['watched: the call that arms the watches (a watch per dir, lstat every entry)', fmtMs(armed), `${fmtRatio(armed / first)} of the first`],
    ['watched: later calls, tree untouched (no entry stat\'ed)', fmtMs(watched), `${fmtRatio(watched / first)} of the first`],
  ], new Set([1])));
  console.log('');
  console.log('a run through the agent or the daemon pays a watched later call, and it runs while the engine is readied (gobox -v shows the steps overlap)');
} finally {
  s.cleanup();
}
