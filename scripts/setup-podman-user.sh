#!/usr/bin/env bash
# Prepares one user for rootless Podman, the way an administrator would on a shared host:
#   - Debian's podman with its rootless helpers (uidmap, slirp4netns, fuse-overlayfs);
#   - subordinate uids/gids (rootless Podman cannot map the sandbox's users without them);
#   - a runtime directory when there is no logind to make one (/run/user/<uid>, 0700), or with
#     GOBOX_NO_LOGIND=1 the private /tmp/podman-run-<uid> that Podman and gobox fall back to
#     (Podman records its runtime dir at first use, so the two must not be mixed later);
#   - storage.conf with the native overlay driver: a new user's Podman otherwise picks vfs,
#     which copies the whole image for every container (2-5 s per `run`, against ~0.3 s).
# It never touches the user's existing images or containers. Idempotent; run as root.
# Usage: setup-podman-user.sh USER [SUBID_START]
set -euo pipefail

user="${1:?usage: setup-podman-user.sh USER [SUBID_START]}"
start="${2:-200000}"
[ "$(id -u)" -eq 0 ] || { echo "setup-podman-user.sh: run as root" >&2; exit 1; }
id -u "$user" >/dev/null 2>&1 || { echo "setup-podman-user.sh: no user $user" >&2; exit 1; }

need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v newuidmap >/dev/null 2>&1 || need+=(uidmap)
command -v slirp4netns >/dev/null 2>&1 || need+=(slirp4netns)
command -v fuse-overlayfs >/dev/null 2>&1 || need+=(fuse-overlayfs)
command -v catatonit >/dev/null 2>&1 || need+=(catatonit)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# slirp4netns (rootless networking) opens /dev/net/tun as the user; some VMs create it 0600.
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" = 600 ]; then chmod 0666 /dev/net/tun; fi

uid="$(id -u "$user")"
gid="$(id -g "$user")"
home="$(getent passwd "$user" | cut -d: -f6)"

# A user may already have a range (e.g. from adduser); only add one when there is none.
grep -q "^${user}:" /etc/subuid 2>/dev/null || usermod --add-subuids "${start}-$((start + 65535))" "$user"
grep -q "^${user}:" /etc/subgid 2>/dev/null || usermod --add-subgids "${start}-$((start + 65535))" "$user"

rundir="/run/user/${uid}"
if [ "${GOBOX_NO_LOGIND:-}" = 1 ] && [ ! -d "$rundir" ]; then
  rundir="${TMPDIR:-/tmp}/podman-run-${uid}"
fi
if [ ! -d "$rundir" ]; then
  install -d -m 0700 -o "$uid" -g "$gid" "$rundir"
fi

conf="${home}/.config/containers"
if [ ! -f "${conf}/storage.conf" ]; then
  install -d -m 0755 -o "$uid" -g "$gid" "${home}/.config" "$conf"
  printf '[storage]\ndriver = "overlay"\n' >"${conf}/storage.conf"
  chown "$uid:$gid" "${conf}/storage.conf"
fi

# Podman reads the new subordinate ranges only when its user namespace is set up again.
runuser -u "$user" -- env -i HOME="$home" XDG_RUNTIME_DIR="$rundir" PATH=/usr/bin:/bin podman system migrate >/dev/null 2>&1 || true
driver="$(runuser -u "$user" -- env -i HOME="$home" XDG_RUNTIME_DIR="$rundir" PATH=/usr/bin:/bin podman info --format '{{.Store.GraphDriverName}}')"
echo "setup-podman-user.sh: ${user} (uid ${uid}) ready for rootless Podman; storage driver ${driver}, runtime dir ${rundir}"
