#!/usr/bin/env bash
# Before CI's tests: puts this machine back to a new machine's state for everything the test
# suite makes, so that no test can lean on what an earlier run left, whole or killed halfway:
# gobox's containers, volumes, networks and images; its state, run and config dirs; hard-cache
# mounts and their loop devices; the gobox-* test users with their homes, processes, Podman
# storage and subordinate ids; the test cluster's pods and data.
# Kept, because it costs only time to remake and is not under test: Debian's packages, the
# Kubernetes build cache (/var/lib/gobox-k8s/bin, its Go caches, containerd's imported images).
#
# It removes every gobox object on the host, so it runs only with CI=true or --yes.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "ci-reset.sh: run as root" >&2; exit 1; }
if [ "${CI:-}" != true ] && [ "${1:-}" != --yes ]; then
  echo "ci-reset.sh: removes every gobox container, volume, image, state dir and gobox-* user on this host; run it with CI=true or --yes" >&2
  exit 2
fi
here=$(dirname "$0")
say() { echo "ci-reset: $*"; }
gone=()

# 1. The test cluster: pods, containerd tasks, mounts, bridge, state (setup-k8s.sh down).
if [ -d /run/gobox-k8s ] || [ -d /var/lib/gobox-k8s/data ]; then
  bash "$here/setup-k8s.sh" down >/dev/null 2>&1 || say "warning: setup-k8s.sh down failed; the cluster's setup tears down again"
  gone+=(cluster)
fi

# 2. Processes an earlier run left: the test users' (agents, Podman services, builds) and root's
#    gobox processes (daemon, agents) of any checkout.
users=$(getent passwd | awk -F: '$1 ~ /^gobox-/ {print $1}')
for u in $users; do pkill -KILL -u "$u" 2>/dev/null && gone+=("processes of $u") || true; done
pkill -KILL -f '/dist/cli/(bin|shim-bin)\.js' 2>/dev/null && gone+=("gobox processes") || true
sleep 0.5

# 3. Engine objects: everything gobox labels, plus its names, and its images.
if docker info >/dev/null 2>&1; then
  list() { { docker "$1" ls -q --filter label=gobox.managed; docker "$1" ls -q --filter name=gobox-; } 2>/dev/null | sort -u; }
  c=$({ docker ps -aq --filter label=gobox.managed; docker ps -aq --filter name=gobox-; } | sort -u)
  # What the engine cannot remove is said, not fatal: the tests then meet it and say more.
  [ -z "$c" ] || { docker rm -f $c >/dev/null || say "warning: some containers could not be removed"; gone+=("$(echo "$c" | wc -l) container(s)"); }
  v=$(list volume)
  [ -z "$v" ] || { docker volume rm -f $v >/dev/null || say "warning: some volumes could not be removed"; gone+=("$(echo "$v" | wc -l) volume(s)"); }
  n=$(list network)
  [ -z "$n" ] || { docker network rm $n >/dev/null 2>&1 || say "warning: some networks could not be removed"; gone+=("$(echo "$n" | wc -l) network(s)"); }
  i=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^gobox-' || true)
  [ -z "$i" ] || { docker rmi -f $i >/dev/null || say "warning: some images could not be removed"; gone+=("image(s) $(echo $i)"); }
fi

# 4. Mounts under gobox's dirs and the test users' homes (hard caches, Podman's overlays),
#    deepest first, then the loop devices behind hard caches.
for _ in 1 2 3; do
  m=$(awk '{print $5}' /proc/self/mountinfo | grep -E '^(/var/lib/gobox|/run/gobox|/tmp/gobox-|/tmp/podman-run-|/home/gobox-)' | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-) || true
  [ -n "$m" ] || break
  while read -r p; do umount "$p" 2>/dev/null || umount -l "$p" 2>/dev/null || true; done <<< "$m"
  gone+=(mounts)
done
{ losetup -l -n -O NAME,BACK-FILE 2>/dev/null || true; } | awk '$2 ~ /(\/var\/lib\/gobox|\/tmp\/gobox-)/ {print $1}' | while read -r l; do losetup -d "$l" 2>/dev/null || true; done

# 5. gobox's own dirs and files, root's included, and the shims a run installed for root.
rm -rf /var/lib/gobox /run/gobox /etc/gobox /usr/local/lib/gobox /etc/profile.d/gobox.sh \
  /root/.local/share/gobox /root/.local/state/gobox /root/.config/gobox /tmp/gobox-* /tmp/podman-run-2*
for f in /root/.local/bin/go /root/.local/bin/gofmt; do
  if [ -L "$f" ] || { [ -f "$f" ] && grep -q gobox "$f" 2>/dev/null; }; then rm -f "$f"; fi
done

# 6. The test users, their homes and groups, their subordinate ids.
for u in $users; do userdel -r -f "$u" >/dev/null 2>&1 || userdel -f "$u" >/dev/null 2>&1 || true; done
# Homes of test users that an earlier cleanup deleted without their home.
rm -rf /home/gobox-*
for g in $(getent group | awk -F: '$1 ~ /^gobox-/ {print $1}'); do groupdel "$g" 2>/dev/null || true; done
[ -z "$users" ] || gone+=("$(echo "$users" | wc -w) test user(s)")
sed -i '/^gobox-/d' /etc/subuid /etc/subgid 2>/dev/null || true

if [ ${#gone[@]} -eq 0 ]; then say "nothing from an earlier run"; else say "removed what an earlier run left: $(IFS=,; echo "${gone[*]}")"; fi
