#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include "CBaseline.h"

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

static int open_segment(const char *dir, size_t n, uint64_t size) {
    char path[4096];
    if (n >= 2) {
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
                          uint64_t segment_bytes, uint64_t writeback_bytes, uint64_t *latency_ns) {
    if (batch_bytes > segment_bytes) return -EINVAL;
    size_t segment = 0;
    int fd = open_segment(dir, segment, segment_bytes);
    if (fd < 0) return fd;
    uint64_t off = 0, written_back = 0;
    for (size_t i = 0; i < batches; i++) {
        uint64_t t0 = now_ns();
        if (off + batch_bytes > segment_bytes) {
            if (fdatasync(fd) != 0) { int e = errno; close(fd); return -e; }
            close(fd);
            fd = open_segment(dir, ++segment, segment_bytes);
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
    for (size_t n = segment >= 1 ? segment - 1 : 0; n <= segment; n++) {
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

// --- Group commit in C: the log's architecture with threads instead of tasks ---

struct group_commit {
    pthread_mutex_t mutex;
    pthread_cond_t staged_cond;      // producers -> committer: a record was staged
    pthread_cond_t durable_cond[2];  // committer -> the producers of one buffer
    unsigned char *buffer[2];
    size_t carry[2];                 // bytes of the previous tail block at the buffer's start
    size_t used[2];                  // carry + staged records
    int filling;
    uint64_t staged, durable;
    size_t record_bytes, capacity;
    int fd;
    uint64_t file_size, base;        // block-aligned file offset of the filling buffer
    volatile int stop;
    int error;
    uint64_t commits;
    uint64_t *latency_ns;            // producers * per_producer slots
    size_t per_producer;
    uint64_t *records;               // per producer
};

struct producer_arg { struct group_commit *g; size_t index; };

static void *gc_producer(void *p) {
    struct producer_arg *a = p;
    struct group_commit *g = a->g;
    unsigned char record[65536];
    memset(record, 0x5A, g->record_bytes);
    uint64_t n = 0;
    pthread_mutex_lock(&g->mutex);
    while (!g->stop) {
        uint64_t t0 = now_ns();
        while (g->used[g->filling] + g->record_bytes > g->capacity && !g->stop)
            pthread_cond_wait(&g->durable_cond[g->filling ^ 1], &g->mutex);  // back-pressure
        if (g->stop) break;
        int mine = g->filling;
        memcpy(g->buffer[mine] + g->used[mine], record, g->record_bytes);
        g->used[mine] += g->record_bytes;
        uint64_t sequence = ++g->staged;
        pthread_cond_signal(&g->staged_cond);
        while (g->durable < sequence && !g->stop) pthread_cond_wait(&g->durable_cond[mine], &g->mutex);
        if (g->durable < sequence) break;
        if (n < g->per_producer) g->latency_ns[a->index * g->per_producer + n] = now_ns() - t0;
        n++;
    }
    g->records[a->index] = n;
    pthread_mutex_unlock(&g->mutex);
    return NULL;
}

static void *gc_committer(void *p) {
    struct group_commit *g = p;
    struct io_uring ring;
    int rc = io_uring_queue_init(8, &ring, 0);
    if (rc < 0) { g->error = rc; return NULL; }
    pthread_mutex_lock(&g->mutex);
    while (!g->stop) {
        int b = g->filling;
        if (g->used[b] == g->carry[b]) { pthread_cond_wait(&g->staged_cond, &g->mutex); continue; }
        uint64_t last = g->staged, base = g->base;
        size_t used = g->used[b];
        // Swap: the other buffer starts with this batch's partial tail block.
        uint64_t end = base + used;
        uint64_t next_base = end / 4096 * 4096;
        size_t next_carry = (size_t)(end - next_base);
        if (next_base + g->capacity > g->file_size) { next_base = 0; next_carry = 0; }  // the log would roll
        int o = b ^ 1;
        memcpy(g->buffer[o], g->buffer[b] + (used - next_carry), next_carry);
        g->carry[o] = g->used[o] = next_carry;
        g->base = next_base;
        g->filling = o;
        pthread_mutex_unlock(&g->mutex);
        size_t len = (used + 4095) / 4096 * 4096;
        memset(g->buffer[b] + used, 0, len - used);
        struct io_uring_sqe *w = io_uring_get_sqe(&ring);
        io_uring_prep_write(w, g->fd, g->buffer[b], (unsigned)len, base);
        w->rw_flags = RWF_DSYNC;
        rc = io_uring_submit_and_wait(&ring, 1);
        struct io_uring_cqe *cqe = NULL;
        if (rc >= 0) rc = io_uring_wait_cqe(&ring, &cqe);
        if (rc >= 0) { rc = cqe->res < 0 ? cqe->res : ((size_t)cqe->res == len ? 0 : -EIO); io_uring_cqe_seen(&ring, cqe); }
        pthread_mutex_lock(&g->mutex);
        if (rc < 0) { g->error = rc; g->stop = 1; }
        g->durable = last;
        g->commits++;
        pthread_cond_broadcast(&g->durable_cond[b]);
    }
    pthread_cond_broadcast(&g->durable_cond[0]);
    pthread_cond_broadcast(&g->durable_cond[1]);
    pthread_mutex_unlock(&g->mutex);
    io_uring_queue_exit(&ring);
    return NULL;
}

int cbase_group_commit(int direct_fd, uint64_t file_size, size_t record_bytes, size_t producers, double seconds,
                       size_t batch_capacity, uint64_t *records, uint64_t *commits,
                       uint64_t *latency_ns, size_t latency_per_producer) {
    if (record_bytes == 0 || record_bytes > 65536 || producers == 0 || batch_capacity < record_bytes + 4096) return -EINVAL;
    struct group_commit g;
    memset(&g, 0, sizeof g);
    pthread_mutex_init(&g.mutex, NULL);
    pthread_cond_init(&g.staged_cond, NULL);
    pthread_cond_init(&g.durable_cond[0], NULL);
    pthread_cond_init(&g.durable_cond[1], NULL);
    for (int i = 0; i < 2; i++) {
        if (posix_memalign((void **)&g.buffer[i], 4096, batch_capacity + 4096) != 0) return -ENOMEM;
        memset(g.buffer[i], 0, batch_capacity + 4096);
    }
    g.record_bytes = record_bytes;
    g.capacity = batch_capacity;
    g.fd = direct_fd;
    g.file_size = file_size;
    g.latency_ns = latency_ns;
    g.per_producer = latency_per_producer;
    g.records = calloc(producers, sizeof(uint64_t));
    pthread_t *threads = calloc(producers, sizeof(pthread_t));
    struct producer_arg *args = calloc(producers, sizeof(struct producer_arg));
    pthread_t committer;
    pthread_create(&committer, NULL, gc_committer, &g);
    for (size_t i = 0; i < producers; i++) {
        args[i].g = &g;
        args[i].index = i;
        pthread_create(&threads[i], NULL, gc_producer, &args[i]);
    }
    struct timespec pause = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    nanosleep(&pause, NULL);
    pthread_mutex_lock(&g.mutex);
    g.stop = 1;
    pthread_cond_broadcast(&g.staged_cond);
    pthread_mutex_unlock(&g.mutex);
    pthread_join(committer, NULL);
    uint64_t total = 0;
    for (size_t i = 0; i < producers; i++) {
        pthread_join(threads[i], NULL);
        total += g.records[i];
        records[i] = g.records[i];
    }
    *commits = g.commits;
    (void)total;
    free(g.records); free(threads); free(args);
    free(g.buffer[0]); free(g.buffer[1]);
    return g.error;
}
