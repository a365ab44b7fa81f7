#!/usr/bin/env bash
# Installs the Debian packages the test suite runs as real peers: InfluxDB 1.x, Mosquitto, pymodbus (an
# independent Modbus server), socat (RTU over a pty pair), Chromium (the editor test) and docker-compose
# (offline compose validation) and openssl (test certificates for the MQTT TLS tests). Idempotent: installs only what is missing. Needs root (or sudo) and apt.
set -euo pipefail
pkgs=(influxdb influxdb-client mosquitto mosquitto-clients openssl python3-pymodbus python3-serial python3-serial-asyncio socat chromium docker-compose)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${pkgs[*]})"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Services installed here must not start on the default ports; the tests start their own instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: installed ${missing[*]}"
