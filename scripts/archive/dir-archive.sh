#!/bin/sh
# Archive command for `aq-wal archive`: copies one sealed segment into a directory on a local
# disk or a mounted volume (NFS, SMB/CIFS, a removable disk).
#
#   aq-wal archive /var/lib/app/wal --command 'scripts/archive/dir-archive.sh %p /mnt/archive/app/%f'
#
# Arguments: SRC (the segment, %p) and DEST (the file to create, in an archive directory that
# must already exist: a missing directory, such as an unmounted volume's, is an error).
#
# Exit status: 0 when DEST holds SRC's bytes (copied now, or already there identically: a
# retry after a crash between the copy and aq-wal recording it); 1 on any failure, and when
# DEST already exists with other bytes, which it never replaces.
#
# How:
# - atomic: copies to a hidden temporary name in DEST's directory (.NAME.partial.PID), fsyncs
#   it, then hard-links it to DEST. link(2) creates DEST only if it does not exist yet, so an
#   interrupted copy never appears under DEST and two writers (an old and a new primary) can
#   never replace each other's object, even at the same instant.
# - durable: the file is fsynced before it gets its name and the directory after, so DEST is
#   on stable storage before this command exits 0 (and aq-wal counts the segment archived).
# - keeps SRC's modification time (cp -p), which `aq-wal restore` reports as the age of the
#   last restored segment.
# Needs GNU coreutils (`sync FILE`) and a filesystem with hard links (ext4, xfs, btrfs, NFS).
set -u
me=dir-archive.sh
[ $# -eq 2 ] || { echo "usage: $me SRC DEST" >&2; exit 1; }
src=$1 dst=$2
dir=$(dirname -- "$dst") name=$(basename -- "$dst")

# Already archived: identical bytes are success (once they and their name are durable: an
# earlier run may have been stopped between its link and its directory sync), different bytes
# are refused.
existing() {
  if cmp -s -- "$src" "$dst"; then
    sync -- "$dst" "$dir" || { echo "$me: cannot fsync $dst and $dir" >&2; exit 1; }
    echo "$me: $dst already holds these bytes" >&2
    exit 0
  fi
  echo "$me: refusing to replace $dst: it exists with different content" >&2
  exit 1
}

[ -f "$src" ] || { echo "$me: no such segment file $src" >&2; exit 1; }
[ -d "$dir" ] || { echo "$me: archive directory $dir does not exist (volume not mounted?)" >&2; exit 1; }
if [ -e "$dst" ]; then existing; fi

tmp="$dir/.$name.partial.$$"
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
cp -p -- "$src" "$tmp" || { echo "$me: cannot copy $src to $tmp" >&2; exit 1; }
sync -- "$tmp" || { echo "$me: cannot fsync $tmp" >&2; exit 1; }
if ! ln -- "$tmp" "$dst" 2>/dev/null; then
  if [ -e "$dst" ]; then existing; fi  # another writer created it since the check above
  echo "$me: cannot link $tmp to $dst (a filesystem without hard links?)" >&2
  exit 1
fi
rm -f -- "$tmp"
sync -- "$dir" || { echo "$me: cannot fsync directory $dir" >&2; exit 1; }
