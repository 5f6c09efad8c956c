#!/usr/bin/env bash
# Runs the Go tests of gobox's own Go code (proxy mode's forwarder, the shim's client) with the
# first Go found: the one on PATH, the host's /usr/local/go, or Debian's Go 1.19 that
# scripts/setup-host.sh installs.
set -euo pipefail
src="$(cd "$(dirname "$0")/../src" && pwd)"
for go in "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go-1.19/bin/go; do
  if [ -n "$go" ] && [ -x "$go" ]; then
    for dir in app/network/forwarder app/shim/client; do
      # A clean module environment: nothing to download, no user settings.
      (cd "$src/$dir" && env GOFLAGS= GOPROXY=off GOTOOLCHAIN=local "$go" test ./...)
    done
    exit 0
  fi
done
echo "test-go.sh: no Go toolchain found (run: sudo bash scripts/setup-host.sh)" >&2
exit 1
