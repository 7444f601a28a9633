#!/bin/sh
# Restore command for `aq-wal restore`: downloads one segment from S3 (or an S3-compatible
# service) with the AWS CLI; written by s3-archive.sh.
#
#   aq-wal restore /var/lib/app/wal --command 'scripts/archive/s3-restore.sh s3://BUCKET/app/wal/%f %p'
#
# Arguments: SRC (s3://BUCKET/KEY) and DEST (where aq-wal wants it, %p). Credentials, region
# and endpoint as for s3-archive.sh.
#
# Exit status: 0 when DEST holds the object; 4 only when the service answers NoSuchKey: the
# end of the archive (aq-wal restore stops there and succeeds); 1 for every other failure
# (no such bucket, denied, bad credentials, endpoint unreachable), so that aq-wal reports an
# error and never takes a failure for the end of the archive.
# On AWS, a missing key reads as NoSuchKey only to an identity with s3:ListBucket on the
# bucket; without it S3 answers AccessDenied (see GetObject in the S3 API reference), which
# this script reports as an error: give the restoring identity s3:ListBucket.
#
# The restored file gets the modification time stored by s3-archive.sh (x-amz-meta-mtime),
# or else the object's LastModified (its upload time).
set -u
me=s3-restore.sh
[ $# -eq 2 ] || { echo "usage: $me s3://BUCKET/KEY DEST" >&2; exit 1; }
url=$1 dst=$2
case $url in
  s3://?*/?*) ;;
  *) echo "usage: $me s3://BUCKET/KEY DEST (got '$url')" >&2; exit 1 ;;
esac
rest=${url#s3://}
bucket=${rest%%/*} key=${rest#*/}

err=$(mktemp) || exit 1
trap 'rm -f -- "$err"' EXIT
trap 'exit 1' HUP INT TERM

times=$(aws s3api get-object --bucket "$bucket" --key "$key" \
          --query '[Metadata.mtime, LastModified]' --output text "$dst" 2>"$err")
status=$?
if [ $status -ne 0 ]; then
  if grep -q '(NoSuchKey)' "$err"; then
    exit 4  # quietly: the normal end of every restore run
  fi
  echo "$me: cannot download $url (aws exit status $status):" >&2
  cat "$err" >&2
  exit 1
fi
# Tab-separated: the stored mtime (or None), then LastModified ("Sat, 05 Dec 2026 18:16:40 GMT").
tab=$(printf '\t')
mtime=${times%%"$tab"*} modified=${times#*"$tab"}
case $mtime in
  ''|*[!0-9]*) when=$modified ;;
  *) when=@$mtime ;;
esac
if [ -n "$when" ] && ! touch -d "$when" -- "$dst"; then
  echo "$me: warning: could not set the modification time of $dst to $when" >&2
fi
exit 0
