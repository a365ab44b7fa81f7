#!/usr/bin/env bash
# Builds docker/Dockerfile with podman (or docker, when TELLTALE_BUILDER=docker), tagged telltale:<version> and
# telltale:latest, with the OCI version/revision labels. The README's Docker section and the image test run this.
# Usage: scripts/image/build.sh [--platform linux/arm64] [extra build args…]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
builder="${TELLTALE_BUILDER:-podman}"
version="$(node -p 'require("./package.json").version')"
revision="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
# The clone's origin, without any user-info a URL may carry; "local" when there is none.
source="$(git remote get-url origin 2>/dev/null | sed -E 's#://[^/@]*@#://#' || true)"
source="${source:-local}"
extra=()
if [ "$builder" = podman ]; then
  export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo/scripts/image/containers.conf}"
  # HEALTHCHECK survives only in the Docker image format; no registry here: the base must already be local.
  extra+=(--format docker --pull=never)
fi
exec "$builder" build "${extra[@]}" -f docker/Dockerfile --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source" \
  -t "telltale:$version" -t telltale:latest "$@" .
