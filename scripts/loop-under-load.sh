#!/usr/bin/env bash
# The thinnest durable loop (one linked O_DIRECT write + fdatasync through liburing at a time,
# into a pre-zeroed file) alone and beside competing CPU load: how much a busy CPU costs the
# sync cycle itself on this machine (docs/BENCHMARKS.md, "sync, 8 and 64 producers").
# usage: scripts/loop-under-load.sh [directory on the disk under test] [bytes per write]
set -euo pipefail
shopt -s inherit_errexit
dir=${1:-/var/tmp}
bytes=${2:-8192}
work=$(mktemp -d)
load_pid=
trap '[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null; rm -rf "$work"; rm -f "$dir/loop-under-load.dat"' EXIT

cat > "$work/load.c" <<'C'
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
/* n threads that either spin (mode 1) or pass a token round a mutex + condition (mode 0),
   until killed. */
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static long turn = 0; static int n;
static void *pass(void *a) {
    long me = (long)a;
    for (;;) { pthread_mutex_lock(&m); while (turn % n != me) pthread_cond_wait(&c, &m); turn++; pthread_cond_broadcast(&c); pthread_mutex_unlock(&m); }
    return 0;
}
static void *spin(void *a) { volatile unsigned long x = 0; (void)a; for (;;) x++; return 0; }
int main(int argc, char **argv) {
    n = atoi(argv[1]); int mode = atoi(argv[2]); pthread_t t;
    for (long i = 0; i < n; i++) pthread_create(&t, 0, mode ? spin : pass, (void *)i);
    for (;;) pause();
}
C
gcc -O2 -o "$work/loop" "$(dirname "$0")/sync-loop.c" -luring
gcc -O2 -pthread -o "$work/load" "$work/load.c"

run() {
    local r; r=$("$work/loop" "$dir/loop-under-load.dat" "$bytes" 1.5 1)
    [ -n "$r" ] && [ "$r" -gt 0 ] || { echo "loop-under-load: the loop failed" >&2; exit 1; }
    echo "$r"
}
beside() {  # threads mode: sets $result to the loop's rate while the load runs (until killed)
    "$work/load" "$1" "$2" & load_pid=$!   # in this shell, so the EXIT trap can stop it
    sleep 0.2
    result=$(run)
    kill "$load_pid"; wait "$load_pid" 2>/dev/null || true; load_pid=
}
alone=$(run)
beside 1 1; one=$result
beside 2 1; two=$result
beside 4 0; pingpong=$result
again=$(run)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
base=$(( (alone + again) / 2 ))
echo "linked O_DIRECT write ($bytes B) + fdatasync, syncs/s (1.5 s each) in $dir:"
echo "  alone:                        $alone, again at the end: $again"
echo "  one core spinning:            $one ($(ratio "$one" "$base")x)"
echo "  both cores spinning:          $two ($(ratio "$two" "$base")x)"
echo "  4 threads passing a mutex:    $pingpong ($(ratio "$pingpong" "$base")x)"
