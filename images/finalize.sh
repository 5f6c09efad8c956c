#!/bin/sh
# Final touches to a sandbox root filesystem, shared by the online and offline recipes.
# Usage: finalize.sh ROOT   (ROOT is / inside a Dockerfile, the debootstrap dir offline)
set -eu
root="${1:-/}"
# Mount points the sandbox needs; the root filesystem is read-only at run time.
mkdir -p "$root/usr/local/go" "$root/gobox/cache" "$root/home/gobox" "$root/out" "$root/etc/gobox"
chmod 0755 "$root/gobox" "$root/gobox/cache" "$root/home/gobox" "$root/out" "$root/etc/gobox"
# No package manager state or caches in the image: it is rebuilt, never upgraded in place.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/tmp/* "$root"/var/tmp/*
# Setuid bits are useless under no-new-privileges; removing them makes that plain.
find "$root" -xdev -perm /6000 -type f -exec chmod ug-s {} + 2>/dev/null || true
