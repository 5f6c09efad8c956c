#!/usr/bin/env bash
# Prepares a Debian host for gobox and its tests: Docker Engine from Debian's docker.io (started
# when none answers), Debian's Go 1.19 as the second toolchain, debootstrap for the offline image.
# Idempotent; run as root.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-host.sh: run as root (sudo bash scripts/setup-host.sh)" >&2
  exit 1
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
[ -x /usr/lib/go-1.19/bin/go ] || need+=(golang-1.19-go)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
# Hard cache quotas: loop-mounted ext4 images.
command -v mkfs.ext4 >/dev/null 2>&1 || need+=(e2fsprogs)
# The test CA and the bridge address in the proxy tests.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
# Rootless Podman per user, and gVisor.
command -v podman >/dev/null 2>&1 || need+=(podman uidmap slirp4netns fuse-overlayfs catatonit)
command -v runsc >/dev/null 2>&1 || need+=(runsc)
# The shim's ssh test runs a private sshd (own config, key and loopback port) from this binary.
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" ca-certificates >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup-host.sh: starting dockerd (log: /var/log/dockerd.log)"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    systemctl start docker
  else
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do
    if [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; then break; fi
    sleep 1
  done
fi
docker info >/dev/null 2>&1 || { echo "setup-host.sh: dockerd did not come up; see /var/log/dockerd.log" >&2; tail -20 /var/log/dockerd.log >&2 || true; exit 1; }
# Register gVisor as the runtime "runsc" (a running dockerd reloads runtimes on SIGHUP).
bash "$(dirname "$0")/setup-runsc.sh"
echo "setup-host.sh: engine ready ($(docker version --format '{{.Server.Version}}'))"
