/* The thinnest durable loop, for scripts/loop-under-load.sh and scripts/sync-depth.sh:
   linked O_DIRECT write + fdatasync through liburing into a pre-zeroed 256 MiB file, each
   write to its own blocks, `depth` such chains in flight at once, for `seconds`; prints
   syncs/s.  usage: sync-loop FILE BYTES SECONDS DEPTH */
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
    int depth = atoi(argv[4]);
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
    if (io_uring_queue_init(64, &ring, 0)) return 1;
    size_t off = 0; long syncs = 0; int inflight = 0; double start = now(), end = start + secs;
    for (;;) {
        while (inflight < depth && now() < end) {
            struct io_uring_sqe *w = io_uring_get_sqe(&ring);
            io_uring_prep_write(w, fd, buf, bytes, off); w->flags |= IOSQE_IO_LINK; w->user_data = 0;
            struct io_uring_sqe *s = io_uring_get_sqe(&ring);
            io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC); s->user_data = 1;
            io_uring_submit(&ring);
            inflight++; off += bytes; if (off + bytes > size) off = 0;
        }
        if (inflight == 0) break;
        struct io_uring_cqe *c;
        if (io_uring_wait_cqe(&ring, &c)) return 1;
        if (c->res < 0) { fprintf(stderr, "error %d\n", c->res); return 1; }
        if (c->user_data == 1) { inflight--; syncs++; }
        io_uring_cqe_seen(&ring, c);
    }
    printf("%.0f", syncs / (now() - start));
    return 0;
}
