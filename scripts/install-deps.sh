#!/usr/bin/env bash
# Installs the Debian packages the build links against (liburing, ISA-L, zlib), if missing.
# With --tests, also the archive tools the tests drive (scripts/install-archive-tools.sh:
# rclone, the aws CLI and moto_server).
set -euo pipefail
needed=()
for pkg in liburing-dev libisal-dev zlib1g-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
if [ ${#needed[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${needed[@]}"
fi
if [ "${1:-}" = "--tests" ]; then
  "$(dirname "$0")/install-archive-tools.sh"
fi
