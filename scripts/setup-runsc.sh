#!/usr/bin/env bash
# Installs Debian's gVisor (runsc) and registers it with dockerd as the runtime "runsc".
#
# Debian's runsc (20221219) starts containers only with its own networking off: registered
# without `--network=none` every container fails with "cannot run with network enabled in root
# network namespace". gobox therefore uses runsc only for profiles with network `none` and
# refuses it otherwise (src/app/checks/runtime-support.ts).
#
# The entry is merged into /etc/docker/daemon.json, keeping every other setting. A running
# dockerd takes it with SIGHUP (runtimes are live-reloadable), so running containers survive.
# Idempotent; run as root.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "setup-runsc.sh: run as root" >&2; exit 1; }

if ! command -v runsc >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends runsc >/dev/null
fi
runsc_path="$(command -v runsc)"

conf=/etc/docker/daemon.json
mkdir -p /etc/docker
[ -s "$conf" ] || echo '{}' >"$conf"
RUNSC="$runsc_path" node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const conf = JSON.parse(fs.readFileSync(file, "utf8"));
  conf.runtimes = { ...(conf.runtimes || {}), runsc: { path: process.env.RUNSC, runtimeArgs: ["--network=none"] } };
  fs.writeFileSync(file + ".tmp", JSON.stringify(conf, null, 2) + "\n");
  fs.renameSync(file + ".tmp", file);
' "$conf"

if docker info >/dev/null 2>&1; then
  pid="$(pidof dockerd || true)"
  if [ -n "$pid" ]; then kill -HUP "$pid"; fi
  for _ in $(seq 1 20); do
    docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"' && break
    sleep 0.5
  done
  docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' || { echo "setup-runsc.sh: dockerd did not pick up runsc; restart dockerd" >&2; exit 1; }
fi
echo "setup-runsc.sh: runsc ($("$runsc_path" --version | head -1)) registered in $conf with --network=none"
