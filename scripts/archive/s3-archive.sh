#!/bin/sh
# Archive command for `aq-wal archive`: uploads one sealed segment to S3 (or an S3-compatible
# service) with the AWS CLI.
#
#   aq-wal archive /var/lib/app/wal --command 'scripts/archive/s3-archive.sh %p s3://BUCKET/app/wal/%f'
#
# Arguments: SRC (the segment, %p) and DEST (s3://BUCKET/KEY). Credentials, region and endpoint
# come from the AWS CLI's usual sources: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
# AWS_PROFILE, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL (an S3-compatible service) and
# ~/.aws/config. Needs an AWS CLI whose `s3api put-object` has --if-none-match (awscli 1.46.3,
# as scripts/install-archive-tools.sh installs it, has it) and a service that honours it.
#
# Exit status: 0 when DEST holds SRC's bytes (uploaded now, or already there identically: a
# retry after a crash between the upload and aq-wal recording it); 1 on any failure, and when
# DEST already exists with other bytes, which it never replaces.
#
# How:
# - atomic and durable: a single PUT; S3 makes the object visible whole or not at all, and
#   only once stored. The AWS CLI sends a checksum of the body that the service checks.
# - no overwrite: the PUT is conditional (If-None-Match: *), so the service itself refuses it
#   (412 PreconditionFailed) when the key exists, even when two writers race. Then the
#   existing object is downloaded and compared byte for byte with SRC.
# - keeps SRC's modification time as object metadata (x-amz-meta-mtime, Unix seconds), which
#   s3-restore.sh puts back on the restored file.
set -u
me=s3-archive.sh
[ $# -eq 2 ] || { echo "usage: $me SRC s3://BUCKET/KEY" >&2; exit 1; }
src=$1 url=$2
case $url in
  s3://?*/?*) ;;
  *) echo "usage: $me SRC s3://BUCKET/KEY (got '$url')" >&2; exit 1 ;;
esac
rest=${url#s3://}
bucket=${rest%%/*} key=${rest#*/}

[ -f "$src" ] || { echo "$me: no such segment file $src" >&2; exit 1; }
mtime=$(stat -c %Y -- "$src") || exit 1
err=$(mktemp) && got=$(mktemp) || exit 1
trap 'rm -f -- "$err" "$got"' EXIT
trap 'exit 1' HUP INT TERM

if aws s3api put-object --bucket "$bucket" --key "$key" --body "$src" \
     --if-none-match '*' --metadata "mtime=$mtime" --output text --query ETag >/dev/null 2>"$err"; then
  exit 0
fi
if ! grep -q '(PreconditionFailed)' "$err"; then
  echo "$me: cannot upload $src to $url:" >&2
  cat "$err" >&2
  exit 1
fi
# The key exists: the same bytes are success, other bytes are refused.
if ! aws s3api get-object --bucket "$bucket" --key "$key" "$got" >/dev/null 2>"$err"; then
  echo "$me: $url exists but cannot be read back to compare:" >&2
  cat "$err" >&2
  exit 1
fi
if cmp -s -- "$src" "$got"; then
  echo "$me: $url already holds these bytes" >&2
  exit 0
fi
echo "$me: refusing to replace $url: it exists with different content" >&2
exit 1
