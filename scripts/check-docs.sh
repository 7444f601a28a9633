#!/usr/bin/env bash
# Builds the DocC documentation of the libraries (AQLog, AQLogServiceLifecycle, ActionQueue:
# their doc comments and their catalogs, Sources/<target>/<target>.docc) and fails when DocC
# reports any warning (an unresolved or ambiguous ``link``, a curated symbol that does not
# exist, a malformed directive) or error, or when a build fails. Prints each target's
# documentation coverage.
#
#   scripts/check-docs.sh                 # scratch path .build-docs (never .build)
#   scripts/check-docs.sh /tmp/docs-build # another scratch path
#
# The archives land in <scratch>/plugins/Swift-DocC/outputs/<target>.doccarchive, each with a
# documentation-coverage.json listing every symbol and whether it has an abstract.
# scripts/doc-coverage.py --list <scratch>/*/extracted-symbols/*/<target>/<target>.symbols.json
# names each public declaration still without a doc comment, with its file and line.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(AQLog AQLogServiceLifecycle ActionQueue)
scratch="${1:-.build-docs}"
mkdir -p "$scratch"

status=0
total=0
for target in "${TARGETS[@]}"; do
  log="$scratch/check-docs-$target.log"
  if ! swift package --scratch-path "$scratch" generate-documentation --target "$target" \
      --experimental-documentation-coverage --coverage-summary-level brief >"$log" 2>&1; then
    cat "$log" >&2
    echo "check-docs: generate-documentation --target $target failed (log: $log)" >&2
    status=1
    continue
  fi
  # Only DocC's own diagnostics count: compiler output before it (a dependency's warnings on a
  # cold build) does not.
  docc_output=$(sed -n "/^Building documentation for '$target'/,\$p" "$log")
  if [ -z "$docc_output" ]; then
    cat "$log" >&2
    echo "check-docs: no DocC output for $target (log: $log)" >&2
    status=1
    continue
  fi
  count=$(grep -cE '^(warning|error):' <<<"$docc_output" || true)
  total=$((total + count))
  if [ "$count" -ne 0 ]; then
    # Each diagnostic with its source excerpt, up to the coverage table.
    sed -n '/^\(warning\|error\):/,/Experimental coverage output/p' <<<"$docc_output" \
      | grep -v 'Experimental coverage output' >&2
    echo "check-docs: $target: $count DocC warning(s) or error(s) (log: $log)" >&2
    status=1
  else
    echo "check-docs: $target: no DocC warnings"
  fi
  sed -n '/Experimental coverage output/,/^$/p' <<<"$docc_output" | sed '/^$/d'
  # The same coverage counted over declarations in our sources (informational; --list names them).
  graph=$(find "$scratch" -path "*/extracted-symbols/*/$target/$target.symbols.json" | head -1)
  if [ -n "$graph" ] && command -v python3 >/dev/null; then
    python3 scripts/doc-coverage.py "$graph" || true
  fi
done

if [ "$status" -eq 0 ]; then
  echo "check-docs: documentation of ${TARGETS[*]} built without warnings"
else
  echo "check-docs: FAILED ($total DocC warning(s) or error(s))" >&2
fi
exit "$status"
