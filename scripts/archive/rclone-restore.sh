#!/bin/sh
# Restore command for `aq-wal restore`: fetches one segment from any rclone remote; written by
# rclone-archive.sh.
#
#   aq-wal restore /var/lib/app/wal --command 'scripts/archive/rclone-restore.sh REMOTE:bucket/app/wal/%f %p'
#
# Arguments: SRC (REMOTE:path/NAME) and DEST (where aq-wal wants it, %p). The remote as for
# rclone-archive.sh.
#
# Exit status: 0 when DEST holds the object, with the modification time the remote keeps;
# 4 when the object does not exist but its directory does: the end of the archive (aq-wal
# restore stops there and succeeds); 1 for every other failure (remote unreachable, bad
# credentials, no such bucket, a missing directory on a local or SFTP remote), so that aq-wal
# reports an error and never takes a failure for the end of the archive.
#
# rclone's own exit status cannot tell a missing object (rclone v1.60.1: `copyto` of a missing
# S3 key exits 0 having copied nothing; of a missing local file, exits 3 "directory not found",
# as for a missing directory), so the object and then its directory are looked up first.
set -u
me=rclone-restore.sh
[ $# -eq 2 ] || { echo "usage: $me REMOTE:path/NAME DEST" >&2; exit 1; }
src=$1 dst=$2
case $src in
  *:*[!/]) ;;
  *) echo "usage: $me REMOTE:path/NAME DEST (got '$src')" >&2; exit 1 ;;
esac
# See rclone-archive.sh: rclone v1.60's S3 client fails on AWS_CA_BUNDLE.
if [ -n "${AWS_CA_BUNDLE:-}" ]; then
  : "${RCLONE_CA_CERT:=$AWS_CA_BUNDLE}"
  export RCLONE_CA_CERT
  unset AWS_CA_BUNDLE
fi
# The directory holding SRC: REMOTE:a/b for REMOTE:a/b/NAME, REMOTE: for REMOTE:NAME.
path=${src#*:}
case $path in
  */*) parent=${src%/*} ;;
  *) parent=${src%%:*}: ;;
esac

err=$(mktemp) || exit 1
trap 'rm -f -- "$err"' EXIT
trap 'exit 1' HUP INT TERM

lookup_failed() {
  echo "$me: cannot look up $1 (rclone exit status $2):" >&2
  cat "$err" >&2
  exit 1
}
out=$(rclone lsjson --stat -- "$src" 2>"$err")
status=$?
case $status:$out in
  0:*'"IsDir": false'*) found=1 ;;
  0:*) found= ;;  # an object store answers a missing key with a directory
  3:*)
    # "directory not found": a missing file on a local or SFTP remote only when the directory
    # holding it exists.
    out=$(rclone lsjson --stat -- "$parent" 2>>"$err")
    status=$?
    case $status:$out in
      0:*'"IsDir": true'*) found= ;;
      *) lookup_failed "$parent" $status ;;
    esac ;;
  *) lookup_failed "$src" $status ;;
esac
if [ -z "$found" ]; then
  exit 4  # quietly: the normal end of every restore run
fi
if ! rclone copyto -- "$src" "$dst" 2>"$err" || [ ! -f "$dst" ]; then
  echo "$me: cannot copy $src to $dst:" >&2
  cat "$err" >&2
  exit 1
fi
