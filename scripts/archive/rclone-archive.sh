#!/bin/sh
# Archive command for `aq-wal archive`: copies one sealed segment to any rclone remote (S3 and
# S3-compatible stores, GCS, Azure Blob, SFTP, WebDAV, …).
#
#   aq-wal archive /var/lib/app/wal --command 'scripts/archive/rclone-archive.sh %p REMOTE:bucket/app/wal/%f'
#
# Arguments: SRC (the segment, %p) and DEST (REMOTE:path/NAME). The remote is configured as
# usual: `rclone config` (~/.config/rclone/rclone.conf, or RCLONE_CONFIG=FILE) or environment
# variables (RCLONE_CONFIG_<REMOTE>_TYPE=s3, RCLONE_CONFIG_<REMOTE>_PROVIDER=AWS, …); any other
# rclone flag as RCLONE_<FLAG> (RCLONE_RETRIES=1, RCLONE_CONTIMEOUT=10s, …).
#
# Exit status: 0 when DEST holds SRC's bytes (copied now, or already there identically: a
# retry after a crash between the copy and aq-wal recording it); 1 on any failure, and when
# DEST already exists with other bytes, which it never replaces.
#
# How, and its limits (rclone v1.60.1, Debian 12):
# - no overwrite: DEST is looked up first (`rclone lsjson --stat`); when it exists, its bytes
#   are read back (`rclone cat`) and compared with SRC. Neither `rclone copyto` nor
#   `--immutable` is enough: copyto replaces a changed file, and rclone calls two files of the
#   same size and modification time equal without reading them (segments all have one size).
#   rclone has no conditional create, so a second writer uploading the same name in the
#   moment between the lookup and the final rename can still replace it: fence an old primary
#   (revoke its credentials) before promoting; for S3 prefer s3-archive.sh, whose conditional
#   PUT has no such moment.
# - atomic: copies to DEST.partial.HOST.PID, then renames that to DEST (`rclone moveto`: a
#   rename on local and SFTP remotes, a server-side copy on object stores, each of which shows
#   DEST whole or not at all). rclone v1.60 writes local and SFTP files in place, so without
#   this an interrupted copy would leave a partial DEST. A killed run can leave a *.partial.*
#   object behind; `rclone delete REMOTE:path --include '*.partial.*' --min-age 1h` removes
#   those.
# - durable: as the remote makes it; an object store stores an object before acknowledging it.
#   rclone never fsyncs local files: for a local disk or a mounted volume use dir-archive.sh.
# - keeps SRC's modification time where the remote stores one (local, S3 as metadata, …);
#   rclone-restore.sh puts it back.
set -u
me=rclone-archive.sh
[ $# -eq 2 ] || { echo "usage: $me SRC REMOTE:path/NAME" >&2; exit 1; }
src=$1 dst=$2
case $dst in
  *:*[!/]) ;;
  *) echo "usage: $me SRC REMOTE:path/NAME (got '$dst')" >&2; exit 1 ;;
esac
# rclone v1.60's S3 client fails on AWS_CA_BUNDLE ("unable to load custom CA bundle, HTTPClient's
# transport unsupported type"): hand the bundle to rclone's own --ca-cert instead.
if [ -n "${AWS_CA_BUNDLE:-}" ]; then
  : "${RCLONE_CA_CERT:=$AWS_CA_BUNDLE}"
  export RCLONE_CA_CERT
  unset AWS_CA_BUNDLE
fi

[ -f "$src" ] || { echo "$me: no such segment file $src" >&2; exit 1; }
err=$(mktemp) || exit 1
tmp="$dst.partial.$(hostname 2>/dev/null || echo host).$$"
cleanup() { rm -f -- "$err"; [ -n "${uploading:-}" ] && rclone deletefile -- "$tmp" >/dev/null 2>&1; }
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# Whether DEST exists: 0 yes, 1 no, 2 cannot tell. A missing file on a local or SFTP remote
# is "directory not found" (exit 3); on an object store, `lsjson --stat` of a missing key
# succeeds and describes a directory.
exists() {
  out=$(rclone lsjson --stat -- "$dst" 2>"$err")
  case $?:$out in
    0:*'"IsDir": false'*) return 0 ;;
    0:*|3:*) return 1 ;;
    *) return 2 ;;
  esac
}
# DEST exists: the same bytes are success, other bytes are refused. rclone's exit status, not
# its stderr (which carries notices such as a missing config file), says whether it read DEST.
compare() {
  got=$(mktemp) || exit 1
  if ! rclone cat -- "$dst" >"$got" 2>"$err"; then
    rm -f -- "$got"
    echo "$me: $dst exists but cannot be read back to compare:" >&2
    cat "$err" >&2
    exit 1
  fi
  if cmp -s -- "$src" "$got"; then
    rm -f -- "$got"
    echo "$me: $dst already holds these bytes" >&2
    exit 0
  fi
  rm -f -- "$got"
  echo "$me: refusing to replace $dst: it exists with different content" >&2
  exit 1
}

exists; case $? in
  0) compare ;;
  2) echo "$me: cannot look up $dst:" >&2; cat "$err" >&2; exit 1 ;;
esac
uploading=1
if ! rclone copyto -- "$src" "$tmp" 2>"$err"; then
  echo "$me: cannot copy $src to $tmp:" >&2; cat "$err" >&2; exit 1
fi
# Last look before the rename: another writer may have created DEST meanwhile.
exists; case $? in
  0) compare ;;
  2) echo "$me: cannot look up $dst:" >&2; cat "$err" >&2; exit 1 ;;
esac
if ! rclone moveto -- "$tmp" "$dst" 2>"$err"; then
  echo "$me: cannot rename $tmp to $dst:" >&2; cat "$err" >&2; exit 1
fi
uploading=
