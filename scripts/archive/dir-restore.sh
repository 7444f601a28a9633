#!/bin/sh
# Restore command for `aq-wal restore`: fetches one segment from an archive directory written
# by dir-archive.sh (a local disk or a mounted volume).
#
#   aq-wal restore /var/lib/app/wal --command 'scripts/archive/dir-restore.sh /mnt/archive/app/%f %p'
#
# Arguments: SRC (the archived file, …/%f) and DEST (where aq-wal wants it, %p).
#
# Exit status: 0 when DEST now holds SRC's bytes, with SRC's modification time (cp -p);
# 4 when the archive directory exists but holds no SRC: the end of the archive (aq-wal restore
# stops there and succeeds); 1 for every other failure, including a missing archive directory
# (an unmounted volume must not look like an archive that ends here), so aq-wal reports an
# error instead.
set -u
me=dir-restore.sh
[ $# -eq 2 ] || { echo "usage: $me SRC DEST" >&2; exit 1; }
src=$1 dst=$2
dir=$(dirname -- "$src")

[ -d "$dir" ] || { echo "$me: archive directory $dir does not exist (volume not mounted?)" >&2; exit 1; }
if [ ! -e "$src" ]; then
  exit 4  # quietly: the normal end of every restore run
fi
cp -p -- "$src" "$dst" || { echo "$me: cannot copy $src to $dst" >&2; exit 1; }
