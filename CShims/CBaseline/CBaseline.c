#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include <pthread.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <stdio.h>
#include "CBaseline.h"
#include "Clock.h"


static uint64_t next_offset(uint64_t off, size_t n, uint64_t start, uint64_t wrap) {
    off += n;
    if (wrap && off + n > wrap) off = start;
    return off;
}

static int uring_loop(int fd, const void *buf, size_t batch_bytes, size_t batches,
                      uint64_t offset, uint64_t wrap, int dsync, uint64_t *latency_ns) {
    struct io_uring ring;
    int rc = io_uring_queue_init(8, &ring, 0);
    if (rc < 0) return rc;
    uint64_t off = offset;
    int expected = dsync ? 1 : 2;
    for (size_t i = 0; i < batches; i++) {
        uint64_t t0 = now_ns();
        struct io_uring_sqe *w = io_uring_get_sqe(&ring);
        io_uring_prep_write(w, fd, buf, (unsigned)batch_bytes, off);
        if (dsync) {
            w->rw_flags = RWF_DSYNC;
        } else {
            io_uring_sqe_set_flags(w, IOSQE_IO_LINK);
            struct io_uring_sqe *s = io_uring_get_sqe(&ring);
            io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC);
        }
        rc = io_uring_submit_and_wait(&ring, expected);
        if (rc < 0) break;
        for (int k = 0; k < expected; k++) {
            struct io_uring_cqe *cqe;
            rc = io_uring_wait_cqe(&ring, &cqe);
            if (rc < 0) break;
            int res = cqe->res;
            io_uring_cqe_seen(&ring, cqe);
            if (res < 0) { rc = res; break; }
            if (k == 0 && (size_t)res != batch_bytes) { rc = -EIO; break; }
        }
        if (rc < 0) break;
        rc = 0;
        if (latency_ns) latency_ns[i] = now_ns() - t0;
        off = next_offset(off, batch_bytes, offset, wrap);
    }
    io_uring_queue_exit(&ring);
    return rc < 0 ? rc : 0;
}

int cbase_uring_write_sync(int fd, const void *buf, size_t batch_bytes, size_t batches,
                           uint64_t offset, uint64_t wrap, uint64_t *latency_ns) {
    return uring_loop(fd, buf, batch_bytes, batches, offset, wrap, 0, latency_ns);
}

int cbase_uring_write_dsync(int fd, const void *buf, size_t batch_bytes, size_t batches,
                            uint64_t offset, uint64_t wrap, uint64_t *latency_ns) {
    return uring_loop(fd, buf, batch_bytes, batches, offset, wrap, 1, latency_ns);
}

int cbase_pwrite_loop(int fd, const void *buf, size_t batch_bytes, size_t batches,
                      uint64_t offset, uint64_t wrap, int sync, uint64_t *latency_ns) {
    uint64_t off = offset;
    for (size_t i = 0; i < batches; i++) {
        uint64_t t0 = now_ns();
        size_t done = 0;
        while (done < batch_bytes) {
            ssize_t n = pwrite(fd, (const char *)buf + done, batch_bytes - done, (off_t)(off + done));
            if (n < 0) { if (errno == EINTR) continue; return -errno; }
            done += (size_t)n;
        }
        if (sync && fdatasync(fd) != 0) return -errno;
        if (latency_ns) latency_ns[i] = now_ns() - t0;
        off = next_offset(off, batch_bytes, offset, wrap);
    }
    return 0;
}

static int open_segment(const char *dir, size_t n, uint64_t size, int keep_files) {
    char path[4096];
    if (n >= 2 && !keep_files) {
        snprintf(path, sizeof path, "%s/segment-%zu.dat", dir, n - 2);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/segment-%zu.dat", dir, n);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -errno;
    if (fallocate(fd, 0, 0, (off_t)size) != 0) { int e = errno; close(fd); return -e; }
    return fd;
}

int cbase_segmented_write(const char *dir, const void *buf, size_t batch_bytes, size_t batches,
                          uint64_t segment_bytes, uint64_t writeback_bytes, int keep_files, uint64_t *latency_ns) {
    if (batch_bytes > segment_bytes) return -EINVAL;
    size_t segment = 0;
    int fd = open_segment(dir, segment, segment_bytes, keep_files);
    if (fd < 0) return fd;
    uint64_t off = 0, written_back = 0;
    for (size_t i = 0; i < batches; i++) {
        uint64_t t0 = now_ns();
        if (off + batch_bytes > segment_bytes) {
            if (fdatasync(fd) != 0) { int e = errno; close(fd); return -e; }
            close(fd);
            fd = open_segment(dir, ++segment, segment_bytes, keep_files);
            if (fd < 0) return fd;
            off = 0;
            written_back = 0;
        }
        size_t done = 0;
        while (done < batch_bytes) {
            ssize_t n = pwrite(fd, (const char *)buf + done, batch_bytes - done, (off_t)(off + done));
            if (n < 0) { if (errno == EINTR) continue; int e = errno; close(fd); return -e; }
            done += (size_t)n;
        }
        off += batch_bytes;
        if (off - written_back >= writeback_bytes) {
            sync_file_range(fd, (off_t)written_back, (off_t)(off - written_back), SYNC_FILE_RANGE_WRITE);
            written_back = off;
        }
        if (latency_ns) latency_ns[i] = now_ns() - t0;
    }
    close(fd);
    for (size_t n = keep_files ? 0 : (segment >= 1 ? segment - 1 : 0); n <= segment; n++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/segment-%zu.dat", dir, n);
        unlink(path);
    }
    return 0;
}

int cbase_zero_fill(int fd, uint64_t size) {
    size_t chunk = 1 << 20;
    void *zeros = calloc(1, chunk);
    if (!zeros) return -ENOMEM;
    for (uint64_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? (size_t)(size - off) : chunk;
        size_t done = 0;
        while (done < n) {
            ssize_t w = pwrite(fd, (char *)zeros + done, n - done, (off_t)(off + done));
            if (w < 0) { if (errno == EINTR) continue; free(zeros); return -errno; }
            done += (size_t)w;
        }
    }
    free(zeros);
    return fdatasync(fd) == 0 ? 0 : -errno;
}

int cbase_drop_cache(int fd) { return -posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); }
