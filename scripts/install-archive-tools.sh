#!/usr/bin/env bash
# Installs the archive tools that the `aq-wal archive` / `aq-wal restore` recipes
# (scripts/archive/) and their tests (Tests/AQWalTests/CLIArchiveToolsTests.swift) drive:
#
#   rclone       Debian's package (apt-get), /usr/bin/rclone.
#   aws          the AWS CLI (PyPI `awscli`) and
#   moto_server  a local S3 stand-in for the tests (PyPI `moto[server]`),
#                both in one virtual environment of Debian's python3, $PREFIX (default
#                /opt/aq-archive-tools), so nothing is installed into the system's Python.
#                Their commands are $PREFIX/bin/aws and $PREFIX/bin/moto_server; the script also
#                links them into /usr/local/bin (on root's PATH on Debian) unless a different
#                file is already there. The tests look in $PREFIX/bin first, then on PATH.
#
# Idempotent: each part is skipped when already in place (the venv is rebuilt only when
# $PREFIX/.installed does not name the pinned versions below or its aws or moto_server does not
# run), so a second run takes about a second; a first one, about 30 s. Run as root on Debian 12
# (or where sudo works). Quiet unless something fails; prints where each tool is, and its version.
#
#   AQ_ARCHIVE_TOOLS_PREFIX=/some/dir scripts/install-archive-tools.sh   # another venv location
#   AQ_ARCHIVE_TOOLS_NO_LINKS=1 ...                                      # no /usr/local/bin links
set -euo pipefail

PREFIX="${AQ_ARCHIVE_TOOLS_PREFIX:-/opt/aq-archive-tools}"
# Pinned: the versions the recipes and tests were checked with. The S3 recipe's conditional PUT
# (`aws s3api put-object --if-none-match`) needs an AWS CLI that has the option and, for the
# tests, a moto that honours it: both do.
PIP_PACKAGES=("awscli==1.46.3" "moto[server]==5.2.6")

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

# Debian packages: rclone; python3-venv for the venv (python3 -m venv needs ensurepip) and
# ca-certificates for pip's HTTPS (a minimal Debian 12 has neither).
needed=()
for pkg in rclone python3-venv ca-certificates; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
# apt's and pip's chatter goes to a log printed only when they fail.
quietly() {
  local log; log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
  rm -f "$log"
}
if [ ${#needed[@]} -gt 0 ]; then
  quietly $SUDO apt-get update -q
  quietly $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${needed[@]}"
fi

# The venv, from Debian's python3 (/usr/bin/python3, not whichever python3 is first on PATH);
# $PREFIX/.installed records what was installed into it, once that succeeded.
if [ "$(cat "$PREFIX/.installed" 2>/dev/null)" != "${PIP_PACKAGES[*]}" ] ||
   ! { "$PREFIX/bin/aws" --version && "$PREFIX/bin/moto_server" --help; } >/dev/null 2>&1; then
  if [ -e "$PREFIX" ] && [ ! -f "$PREFIX/pyvenv.cfg" ]; then
    echo "install-archive-tools: $PREFIX exists and is not a virtual environment; not replacing it" >&2
    exit 1
  fi
  $SUDO rm -rf "$PREFIX"
  $SUDO /usr/bin/python3 -m venv "$PREFIX"
  quietly $SUDO "$PREFIX/bin/pip" install --disable-pip-version-check --no-input "${PIP_PACKAGES[@]}"
  echo "${PIP_PACKAGES[*]}" | $SUDO tee "$PREFIX/.installed" >/dev/null
fi

if [ -z "${AQ_ARCHIVE_TOOLS_NO_LINKS:-}" ]; then
  for tool in aws moto_server; do
    link="/usr/local/bin/$tool"
    if [ ! -e "$link" ] && [ ! -L "$link" ]; then
      $SUDO ln -s "$PREFIX/bin/$tool" "$link"
    elif [ "$(readlink -f "$link")" != "$(readlink -f "$PREFIX/bin/$tool")" ]; then
      echo "install-archive-tools: $link exists and is not $PREFIX/bin/$tool; left as it is" >&2
    fi
  done
fi

echo "rclone:      $(command -v rclone) ($(rclone version 2>/dev/null | head -n 1))"
echo "aws:         $PREFIX/bin/aws ($("$PREFIX/bin/aws" --version 2>&1))"
echo "moto_server: $PREFIX/bin/moto_server (moto $("$PREFIX/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))'))"
for tool in aws moto_server; do
  found=$(command -v "$tool" || true)
  if [ "$(readlink -f "${found:-/nonexistent}")" != "$(readlink -f "$PREFIX/bin/$tool")" ]; then
    echo "note: '$tool' on this PATH is ${found:-missing}; prepend $PREFIX/bin to PATH to use the one installed here"
  fi
done
