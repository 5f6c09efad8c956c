#!/usr/bin/env node
// `npm run bench:jail` (issue 11): `gobox jail build` of a real program against a native
// `go build -trimpath` with an empty build cache (target: at most 1.10x), and `gobox jail verify`
// against twice the jail build's time (target: at most 1.0x). Not a test: it prints a report.
// The jail's build cache is on the container's tmpfs, so native is measured twice: with its cache
// on disk (a plain build) and on tmpfs (/dev/shm, the like-for-like one the ratio is taken on).
//
//   BENCH_BUILD_RUNS=3  rounds (each builds the standard library from an empty cache)
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BenchError, run } from './lib/proc.mjs';
import { gobox, log, setup } from './lib/setup.mjs';
import { fmtMs, fmtRatio, summary, table } from './lib/stats.mjs';

const RUNS = Number(process.env.BENCH_BUILD_RUNS || 3);

// A program with some weight: net/http, encoding/json and text/template pull in much of std.
const MAIN = `package main

import (
	"encoding/json"
	"net/http"
	"os"
	"text/template"
)

func main() {
	t := template.Must(template.New("x").Parse("{{.}}\\n"))
	_ = t.Execute(os.Stdout, http.StatusText(200))
	_ = json.NewEncoder(os.Stdout).Encode(map[string]int{"ok": 1})
}
`;

function main() {
  const s = setup();
  try {
    writeFileSync(path.join(s.project, 'main.go'), MAIN);
    chownSync(path.join(s.project, 'main.go'), s.user.uid, s.user.gid);
    const goBin = path.join(s.toolchain.path, 'bin', 'go');
    const samples = { native: [], nativeTmpfs: [], jail: [], verify: [] };
    for (let i = 0; i < RUNS; i++) {
      // Native: the same flags the jail forces, a fresh empty cache each round, as the same user.
      const scratch = mkdtempSync(path.join(s.native, 'run-'));
      chownSync(scratch, s.user.uid, s.user.gid);
      const nativeEnv = {
        PATH: `${path.dirname(goBin)}:/usr/bin:/bin`, HOME: path.join(s.native, 'home'), GOCACHE: path.join(scratch, 'cache'),
        GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=readonly', GOPROXY: 'off', GOENV: 'off',
      };
      samples.native.push(run([goBin, 'build', '-trimpath', '-o', path.join(scratch, 'bin'), '.'], { cwd: s.project, env: nativeEnv, uid: s.user.uid, gid: s.user.gid }).ms);
      rmSync(scratch, { recursive: true, force: true });
      const shm = mkdtempSync('/dev/shm/gobox-bench-jail-');
      chownSync(shm, s.user.uid, s.user.gid);
      const shmEnv = { ...nativeEnv, GOCACHE: path.join(shm, 'cache') };
      samples.nativeTmpfs.push(run([goBin, 'build', '-trimpath', '-o', path.join(shm, 'bin'), '.'], { cwd: s.project, env: shmEnv, uid: s.user.uid, gid: s.user.gid }).ms);
      rmSync(shm, { recursive: true, force: true });

      const out = path.join(s.work, `out-${i}`);
      mkdirSync(out);
      chownSync(out, s.user.uid, s.user.gid);
      samples.jail.push(gobox(['jail', 'build', '-o', out], { cwd: s.project, env: s.env, expect: /provenance: / }).ms);
      samples.verify.push(gobox(['jail', 'verify', path.join(out, 'provenance.json')], { cwd: s.project, env: s.env, expect: /^ok /m }).ms);
      log(`round ${i + 1}/${RUNS} done`);
    }
    const n = summary(samples.native);
    const t = summary(samples.nativeTmpfs);
    const j = summary(samples.jail);
    const v = summary(samples.verify);
    process.stdout.write(table(['variant', 'median', 'min', 'ratio', 'target'], [
      ['native go build -trimpath (empty cache on disk)', fmtMs(n.median), fmtMs(n.min), fmtRatio(n.median / t.median), ''],
      ['native, empty cache on tmpfs (as the jail\'s)', fmtMs(t.median), fmtMs(t.min), '1.00x', ''],
      ['gobox jail build', fmtMs(j.median), fmtMs(j.min), fmtRatio(j.median / t.median), '<= 1.10x native (tmpfs)'],
      ['gobox jail verify', fmtMs(v.median), fmtMs(v.min), fmtRatio(v.median / (2 * j.median)), '<= 1.00x (2 x jail build)'],
    ], new Set([1, 2, 3])) + '\n');
  } finally {
    s.cleanup();
  }
}

try {
  main();
} catch (e) {
  if (e instanceof BenchError) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exitCode = 1;
  } else throw e;
}
