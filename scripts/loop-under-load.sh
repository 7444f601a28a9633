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

cat > "$work/loop.c" <<'C'
#define _GNU_SOURCE
#include <liburing.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
    const char *path = argv[1]; size_t bytes = strtoul(argv[2], 0, 10); double secs = atof(argv[3]);
    size_t size = 256 << 20;
    void *zeros, *buf;
    if (posix_memalign(&zeros, 4096, 1 << 20) || posix_memalign(&buf, 4096, bytes)) return 1;
    memset(zeros, 0, 1 << 20); memset(buf, 0x5a, bytes);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) { perror("open"); return 1; }
    for (size_t o = 0; o < size; o += 1 << 20) if (pwrite(fd, zeros, 1 << 20, o) != 1 << 20) { perror("pwrite"); return 1; }
    fdatasync(fd); close(fd);
    fd = open(path, O_RDWR | O_DIRECT);
    if (fd < 0) { perror("open O_DIRECT"); return 1; }
    struct io_uring ring;
    if (io_uring_queue_init(8, &ring, 0)) return 1;
    size_t off = 0; long syncs = 0; double start = now(), end = start + secs;
    while (now() < end) {
        struct io_uring_sqe *w = io_uring_get_sqe(&ring);
        io_uring_prep_write(w, fd, buf, bytes, off); w->flags |= IOSQE_IO_LINK;
        struct io_uring_sqe *s = io_uring_get_sqe(&ring);
        io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC);
        io_uring_submit_and_wait(&ring, 2);
        for (int i = 0; i < 2; i++) {
            struct io_uring_cqe *c;
            io_uring_wait_cqe(&ring, &c);
            if (c->res < 0) { fprintf(stderr, "error %d\n", c->res); return 1; }
            io_uring_cqe_seen(&ring, c);
        }
        syncs++; off += bytes; if (off + bytes > size) off = 0;
    }
    printf("%.0f", syncs / (now() - start));
    return 0;
}
C
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
gcc -O2 -o "$work/loop" "$work/loop.c" -luring
gcc -O2 -pthread -o "$work/load" "$work/load.c"

run() {
    local r; r=$("$work/loop" "$dir/loop-under-load.dat" "$bytes" 1.5)
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
