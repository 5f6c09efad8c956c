#!/usr/bin/env bash
# Regenerates test/fixtures/class/test2json/: the real `go test -json` output of each small module
# under test/fixtures/class/modules/, with each toolchain the project tests with. The unit tests of
# src/app/class/ read these files, so what they parse is what Go really prints.
#   bash scripts/class-fixtures.sh [GOROOT...]   (default: /usr/local/go /usr/lib/go-1.19)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
modules="$root/test/fixtures/class/modules"
out="$root/test/fixtures/class/test2json"
goroots=("$@")
[ ${#goroots[@]} -gt 0 ] || goroots=(/usr/local/go /usr/lib/go-1.19)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

for goroot in "${goroots[@]}"; do
  go="$goroot/bin/go"
  full="$("$go" env GOVERSION)"                      # go1.26.8
  short="$(sed -E 's/^(go[0-9]+\.[0-9]+).*/\1/' <<<"$full")"  # go1.26: patch releases print the same
  mkdir -p "$out/$short"
  echo "$full" > "$out/$short/VERSION"
  for dir in "$modules"/*/; do
    name="$(basename "$dir")"
    # The loop module never ends by itself: go test's own -timeout ends it, as it would a student's.
    timeout=60s
    [ "$name" = loop ] && timeout=3s
    # Offline and reproducible: no proxy, no toolchain switch, a fresh build cache per toolchain
    # so no "(cached)" result and no state from the machine leaks into the fixtures.
    set +e
    (cd "$dir" && env -i PATH="$goroot/bin:/usr/bin:/bin" HOME="$scratch" \
      GOCACHE="$scratch/cache-$short" GOPATH="$scratch/gopath" GOPROXY=off GOTOOLCHAIN=local \
      GOWORK=off GOFLAGS= CGO_ENABLED=0 \
      "$go" test -json -count=1 -timeout "$timeout" ./... \
      >"$out/$short/$name.jsonl" 2>"$out/$short/$name.stderr")
    echo $? >"$out/$short/$name.exit"
    set -e
    echo "$short $name: exit $(cat "$out/$short/$name.exit")"
  done
done
