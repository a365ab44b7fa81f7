#!/usr/bin/env bash
# What the image tests need on a Debian machine without a Docker engine or a reachable image registry: podman and
# buildah (rootful), runc (crun refuses a hybrid cgroup hierarchy), netavark with iptables for podman networks,
# debootstrap for the stand-in base, qemu-user-static for the arm64 check, socat to expose host peers on a podman
# network. Then the stand-in `node:24-slim` (scripts/image/stand-in-base.sh). Idempotent. Needs root (or sudo).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pkgs=(podman buildah runc netavark aardvark-dns iptables debootstrap qemu-user-static binfmt-support socat uidmap)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "image test packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# qemu-user-static registers its binfmt handlers through binfmt-support; make sure aarch64 is on.
if [ -d /proc/sys/fs/binfmt_misc ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  $SUDO mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  $SUDO update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
fi
$SUDO bash "$here/stand-in-base.sh"
