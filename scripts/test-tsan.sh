#!/usr/bin/env bash
# Builds the package with Thread Sanitizer (scratch path .build-tsan, never .build) and runs the
# concurrency suites below under it. A TSan report, a failing test or a hang fails the run.
#
#   scripts/test-tsan.sh              # the suites below
#   scripts/test-tsan.sh 'IdleVouch'  # another --filter regex, same build
#
# TSAN_OPTIONS from the environment are appended (later options win), e.g.
# TSAN_OPTIONS=halt_on_error=0 collects every report of a run instead of stopping at the first.
set -euo pipefail
cd "$(dirname "$0")/.."

# The suites run under TSan, joined into the --filter regex: everything that drives `Log`
# (committer thread, group commit, inline deferred writes, idle vouching), overlapped writes,
# tails and readers following a live writer, LOCK contention, and the crash cycles through `Log`.
SUITES=(
  ConcurrentLogTests          # many producers through Log: group commit, rolls, flush, close
  CommitDepthTests            # several commits in flight through Log, maximum-size records at depths 1-4
  CommitterLockTests          # the committer's lock vs. rolls and flush syncs
  InlineDeferredCommitTests   # a lone .deferred producer writing its own batch; ioBusy
  OverlappedWriteTests        # writes kept in flight: submission, completion by tag
  IdleVouchTests              # the committer's idle marker
  ReadableLimitTests          # readers beside a Log / LogWriter blocked inside a sync
  LogTailTests                # LogTail following a writer, DurabilityNotifier wake-ups
  LogReaderRefreshTests       # LogReader.refresh following a writer
  BesideWriterRetryTests      # read-only passes beside a writer holding LOCK
  LogWriterTests              # LOCK contention across threads, reopen beside posix_spawn
  ConcurrentCrashCycleTests   # crash cycles through the concurrent Log (simulated storage)
  LogLifecycleTests           # a Log dropped without close(): its deinit waits for the committer
  LogArchivingTests           # a Log's background archiver woken by seals; sealing by age; close cancelling a run
  PosixLockTests              # a LOCK that cannot be taken, beside a thread opening files
  'WindowedVerifyTests/aFailedReadAhead'  # verify's read-ahead thread, its failure read again in line
  ParallelVerifyTests         # verify checking sealed segments on several workers at once
  CompactionUnderLoadTests    # writer thread + LogTail while aq-wal compacts in other processes
  AsyncAuthorityTests         # ActionQueue's concurrent authority: submitters, drain task, acknowledgements
  AuthorityCrashCycleTests    # crash cycles through the concurrent authority (simulated storage)
  FaultTests                  # I/O faults and crashes in every roll step (background preparer)
  DiscardUnsyncedTests        # repair of a crashed .deferred log
  CheckpointTests             # checkpoints beside a live writer's progress
  LoopMountedENOSPCTests      # a real ENOSPC (root only; skipped otherwise)
)

scratch=.build-tsan
filter="${1:-$(IFS='|'; echo "${SUITES[*]}")}"
# A hung test (a lost wake-up) must fail CI rather than eat its time budget.
test_timeout="${TSAN_TEST_TIMEOUT:-10m}"

swift build --build-tests --sanitize=thread --scratch-path "$scratch"

log="$scratch/test-tsan.log"
status=0
# --no-parallel: test cases run one after another (the concurrency is inside each test).
# Parallel test cases made false reports: liburing maps and unmaps its rings with raw system
# calls TSan does not see, so a ring mapped where another test's closed ring was reads as a
# race between the two tests' threads.
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/scripts/tsan-suppressions.txt${TSAN_OPTIONS:+ $TSAN_OPTIONS}" \
  timeout -k 30s "$test_timeout" \
  swift test --skip-build --sanitize=thread --scratch-path "$scratch" --no-parallel --filter "$filter" 2>&1 \
  | tee "$log" || status=$?
[ "$status" -ne 124 ] || echo "test-tsan: the run did not finish within $test_timeout (a hung test?)" >&2
# Any report printed in the run fails it, even one whose process exit status did not reach
# swift test.
if grep -q 'WARNING: ThreadSanitizer' "$log"; then
  echo "test-tsan: ThreadSanitizer reported a race (see $log)" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
