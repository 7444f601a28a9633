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

// --- Commits in flight: the log's write path with up to `depth` batches written at once ---

#define PC_MAX_DEPTH 4
#define PC_BATCH_RING 1024u         // batches started and not yet acknowledged, at most
#define PC_RECORD_RING (1u << 20)   // open loop: records staged and not yet acknowledged, at most
#define PC_SUB_BITS 6u              // histogram: 64 sub-buckets per power of two
#define PC_SUB (1u << PC_SUB_BITS)
#define PC_BUCKETS (PC_SUB + 42u * PC_SUB)
#define PC_KICK_TAG UINT64_MAX      // the poll on the committer's eventfd

struct pc_histogram { uint64_t count[PC_BUCKETS]; uint64_t total, max; double sum; };

static unsigned pc_bucket(uint64_t v) {
    if (v < PC_SUB) return (unsigned)v;
    unsigned shift = 63u - (unsigned)__builtin_clzll(v) - PC_SUB_BITS;
    unsigned index = PC_SUB + shift * PC_SUB + (unsigned)((v >> shift) - PC_SUB);
    return index < PC_BUCKETS ? index : PC_BUCKETS - 1;
}

static void pc_record(struct pc_histogram *h, uint64_t v) {
    h->count[pc_bucket(v)]++;
    h->total++;
    h->sum += (double)v;
    if (v > h->max) h->max = v;
}

/// The `p`th percentile in microseconds: the middle of the bucket holding that rank.
static double pc_percentile_us(const struct pc_histogram *h, double p) {
    if (h->total == 0) return 0;
    double exact = p / 100.0 * (double)h->total;
    uint64_t rank = (uint64_t)exact;
    if ((double)rank < exact) rank++;
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < PC_BUCKETS; i++) {
        seen += h->count[i];
        if (seen < rank) continue;
        uint64_t mid = i;
        if (i >= PC_SUB) {
            unsigned shift = (i - PC_SUB) / PC_SUB;
            uint64_t low = (uint64_t)((i - PC_SUB) % PC_SUB + PC_SUB) << shift;
            mid = low + (((uint64_t)1 << shift) - 1) / 2;
        }
        return (double)(mid < h->max ? mid : h->max) / 1000.0;
    }
    return (double)h->max / 1000.0;
}

struct pc_batch {
    uint64_t last;        // sequence of its last record
    unsigned len;         // bytes written
    int done, buffer;
    pthread_cond_t acked; // -> its producers (closed loop)
};

struct pipelined {
    pthread_mutex_t mutex;
    pthread_cond_t go_cond;        // -> every thread: the run starts
    pthread_cond_t idle_cond;      // -> committer with nothing in flight: a record was staged, or stop
    pthread_cond_t space_cond;     // -> producers: room in the filling buffer / the record ring
    pthread_cond_t released_cond;  // -> main: acknowledgements released (open-loop drain)
    struct io_uring ring;          // the committer's alone
    int kick_fd;                   // eventfd polled through the ring: wakes a committer waiting on it
    int ring_waiting;              // the committer waits on the ring (writes in flight)
    unsigned char *buffer[PC_MAX_DEPTH + 1];
    int writing[PC_MAX_DEPTH + 1]; // buffer i is in a write in flight
    int filling;
    size_t used;                   // record bytes staged in the filling buffer
    uint64_t staged, durable;      // records staged; records acknowledged (a prefix)
    uint64_t started, released;    // batches started; batches acknowledged (a prefix)
    struct pc_batch batch[PC_BATCH_RING];
    unsigned depth, in_flight;
    uint64_t end;                  // file offset just after the last started batch's data
    unsigned char tail[4096];      // that batch's partial last block
    size_t record_bytes, capacity;
    int fd;
    uint64_t file_size;
    int open_loop, go, stop, error;
    double period_ns;              // open loop: between two records' scheduled times
    uint64_t start_ns, deadline_ns, last_release_ns;
    uint64_t *scheduled;           // open loop: scheduled time of record sequence % PC_RECORD_RING
    uint64_t batches, bytes_written, padding, max_in_flight;
    uint64_t *records;             // per producer
    struct pc_histogram latency;
};

static void pc_sleep_until(uint64_t t) {
    struct timespec ts = { (time_t)(t / 1000000000ull), (long)(t % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

static int pc_can_start(const struct pipelined *g) {
    return !g->stop && g->used > 0 && g->in_flight < g->depth && g->started - g->released < PC_BATCH_RING - 1;
}

/// Wakes the committer if it could start a batch now (under the mutex): from its condition
/// variable when nothing is in flight, through the ring's eventfd poll while it reaps.
static void pc_wake_committer_locked(struct pipelined *g) {
    if (g->in_flight == 0 || g->stop) {
        pthread_cond_signal(&g->idle_cond);
    }
    if (g->ring_waiting && (g->stop || pc_can_start(g))) {
        g->ring_waiting = 0;
        uint64_t one = 1;
        ssize_t n = write(g->kick_fd, &one, sizeof one);
        (void)n;
    }
}

static void pc_stop_locked(struct pipelined *g) {
    g->stop = 1;
    pc_wake_committer_locked(g);
    pthread_cond_broadcast(&g->space_cond);
    pthread_cond_broadcast(&g->released_cond);
    for (uint64_t b = g->released; b <= g->started; b++) pthread_cond_broadcast(&g->batch[b % PC_BATCH_RING].acked);
}

static int pc_arm_kick(struct pipelined *g) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&g->ring);
    if (!sqe) return -EBUSY;
    io_uring_prep_poll_add(sqe, g->kick_fd, POLLIN);
    io_uring_sqe_set_data64(sqe, PC_KICK_TAG);
    return 0;
}

/// Takes the filling buffer as the next batch (under the mutex): places it in the file,
/// assembles its blocks, hands producers a free buffer, and queues its write (submitted by
/// the caller outside the mutex).
static int pc_start_locked(struct pipelined *g) {
    uint64_t number = g->started++;
    struct pc_batch *batch = &g->batch[number % PC_BATCH_RING];
    int b = g->filling;
    unsigned char *data = g->buffer[b];
    size_t used = g->used;
    uint64_t base;
    size_t carry;
    if (g->in_flight > 0) {  // another write in flight: begin on a fresh block
        base = (g->end + 4095) / 4096 * 4096;
        carry = 0;
    } else {                 // none: rewrite the previous batch's partial tail block
        base = g->end / 4096 * 4096;
        carry = (size_t)(g->end - base);
    }
    if (base + carry + used + 4096 > g->file_size) { base = 0; carry = 0; }  // the log would roll
    else g->padding += base + carry - g->end;
    if (carry) {
        memmove(data + carry, data, used);
        memcpy(data, g->tail, carry);
    }
    size_t bytes = carry + used, len = (bytes + 4095) / 4096 * 4096, tail = bytes % 4096;
    memset(data + bytes, 0, len - bytes);
    memcpy(g->tail, data + bytes - tail, tail);
    g->end = base + bytes;
    batch->last = g->staged;
    batch->len = (unsigned)len;
    batch->done = 0;
    batch->buffer = b;
    g->writing[b] = 1;
    for (unsigned i = 0; i <= g->depth; i++) {
        if (!g->writing[i]) { g->filling = (int)i; break; }  // in flight <= depth of depth + 1: one is free
    }
    g->used = 0;
    g->in_flight++;
    if (g->in_flight > g->max_in_flight) g->max_in_flight = g->in_flight;
    g->bytes_written += len;
    pthread_cond_broadcast(&g->space_cond);
    struct io_uring_sqe *sqe = io_uring_get_sqe(&g->ring);
    if (!sqe) return -EBUSY;
    io_uring_prep_write(sqe, g->fd, data, (unsigned)len, base);
    sqe->rw_flags = RWF_DSYNC;
    io_uring_sqe_set_data64(sqe, number);
    return 0;
}

/// Handles one completion (under the mutex): acknowledges every batch now complete in order.
static int pc_complete_locked(struct pipelined *g, uint64_t tag, int res) {
    if (tag == PC_KICK_TAG) {
        uint64_t count;
        ssize_t n = read(g->kick_fd, &count, sizeof count);
        (void)n;
        return pc_arm_kick(g);
    }
    struct pc_batch *batch = &g->batch[tag % PC_BATCH_RING];
    int rc = res < 0 ? res : ((unsigned)res == batch->len ? 0 : -EIO);
    batch->done = 1;
    g->writing[batch->buffer] = 0;
    g->in_flight--;
    g->batches++;
    uint64_t now = now_ns();
    int released = 0;
    while (g->released < g->started && g->batch[g->released % PC_BATCH_RING].done) {
        struct pc_batch *r = &g->batch[g->released % PC_BATCH_RING];
        if (g->open_loop) {
            for (uint64_t s = g->durable + 1; s <= r->last; s++) {
                uint64_t at = g->scheduled[s % PC_RECORD_RING];
                pc_record(&g->latency, now > at ? now - at : 0);
            }
        }
        g->durable = r->last;
        pthread_cond_broadcast(&r->acked);
        g->released++;
        released = 1;
    }
    if (released) {
        g->last_release_ns = now;
        if (g->open_loop) {
            pthread_cond_broadcast(&g->released_cond);
            pthread_cond_broadcast(&g->space_cond);
        }
    }
    return rc;
}

static void pc_wait_for_go(struct pipelined *g) {
    pthread_mutex_lock(&g->mutex);
    while (!g->go) pthread_cond_wait(&g->go_cond, &g->mutex);
    pthread_mutex_unlock(&g->mutex);
}

/// The committer: starts a batch whenever records are staged and fewer than `depth` writes are
/// in flight, reaps completions in any order, acknowledges batches strictly in order. With
/// nothing in flight it sleeps on `idle_cond`; with writes in flight, on the ring (producers
/// kick it through the eventfd poll when another batch could start). Exits once stopped with
/// nothing in flight.
static void *pc_committer(void *p) {
    struct pipelined *g = p;
    int rc = pc_arm_kick(g);
    if (rc == 0) rc = io_uring_submit(&g->ring) == 1 ? 0 : -EIO;
    pc_wait_for_go(g);
    pthread_mutex_lock(&g->mutex);
    if (rc < 0) { g->error = rc; pc_stop_locked(g); }
    while (!(g->stop && g->in_flight == 0)) {
        if (pc_can_start(g)) {
            rc = pc_start_locked(g);
            pthread_mutex_unlock(&g->mutex);
            if (rc == 0) rc = io_uring_submit(&g->ring);
            pthread_mutex_lock(&g->mutex);
            if (rc < 0) { if (!g->error) g->error = rc; g->in_flight--; pc_stop_locked(g); }
            continue;
        }
        if (g->in_flight == 0) { pthread_cond_wait(&g->idle_cond, &g->mutex); continue; }
        g->ring_waiting = 1;
        pthread_mutex_unlock(&g->mutex);
        struct io_uring_cqe *cqe = NULL;
        rc = io_uring_submit(&g->ring);  // a re-armed poll, if any
        if (rc >= 0) rc = io_uring_wait_cqe(&g->ring, &cqe);
        uint64_t tag = 0;
        int res = 0;
        if (rc == 0) {
            tag = io_uring_cqe_get_data64(cqe);
            res = cqe->res;
            io_uring_cqe_seen(&g->ring, cqe);
        }
        pthread_mutex_lock(&g->mutex);
        g->ring_waiting = 0;
        if (rc == -EINTR) continue;
        if (rc < 0) { if (!g->error) g->error = rc; pc_stop_locked(g); break; }  // the ring failed
        rc = pc_complete_locked(g, tag, res);
        if (rc < 0) { if (!g->error) g->error = rc; pc_stop_locked(g); }
    }
    pthread_mutex_unlock(&g->mutex);
    return NULL;
}

struct pc_producer_arg { struct pipelined *g; size_t index; };

/// Stages one record into the filling buffer (under the mutex); returns its sequence.
static uint64_t pc_stage_locked(struct pipelined *g, const unsigned char *record) {
    memcpy(g->buffer[g->filling] + g->used, record, g->record_bytes);
    g->used += g->record_bytes;
    uint64_t sequence = ++g->staged;
    pc_wake_committer_locked(g);
    return sequence;
}

/// Closed loop: one record at a time, each waited for until acknowledged.
static void *pc_producer(void *p) {
    struct pc_producer_arg *a = p;
    struct pipelined *g = a->g;
    unsigned char record[65536];
    memset(record, 0x5A, g->record_bytes);
    pc_wait_for_go(g);
    pc_sleep_until(g->start_ns);
    uint64_t n = 0;
    pthread_mutex_lock(&g->mutex);
    while (!g->stop) {
        uint64_t t0 = now_ns();
        while (g->used + g->record_bytes > g->capacity && !g->stop) pthread_cond_wait(&g->space_cond, &g->mutex);
        if (g->stop) break;
        struct pc_batch *mine = &g->batch[g->started % PC_BATCH_RING];  // the filling batch
        uint64_t sequence = pc_stage_locked(g, record);
        while (g->durable < sequence && !g->stop) pthread_cond_wait(&mine->acked, &g->mutex);
        if (g->durable < sequence) break;
        pc_record(&g->latency, now_ns() - t0);
        n++;
    }
    pthread_mutex_unlock(&g->mutex);
    g->records[a->index] = n;
    return NULL;
}

#define PC_TICK_NS 20000ull  // open loop: the scheduler wakes at most this often

/// Open loop: one scheduler thread issues record k at start + k / rate without waiting for
/// acknowledgements; each time it wakes it stages every record due by then (in one lock hold).
static void *pc_scheduler(void *p) {
    struct pc_producer_arg *a = p;
    struct pipelined *g = a->g;
    unsigned char record[65536];
    memset(record, 0x5A, g->record_bytes);
    prctl(PR_SET_TIMERSLACK, 1UL);  // wake on schedule, not up to 50 µs late
    pc_wait_for_go(g);
    uint64_t k = 0, woke = 0;
    for (;;) {
        uint64_t at = g->start_ns + (uint64_t)((double)k * g->period_ns);
        if (at >= g->deadline_ns) break;
        pc_sleep_until(at > woke + PC_TICK_NS ? at : woke + PC_TICK_NS);
        woke = now_ns();
        pthread_mutex_lock(&g->mutex);
        for (; !g->stop; k++) {
            at = g->start_ns + (uint64_t)((double)k * g->period_ns);
            if (at > woke || at >= g->deadline_ns) break;
            while ((g->used + g->record_bytes > g->capacity || g->staged - g->durable >= PC_RECORD_RING) && !g->stop)
                pthread_cond_wait(&g->space_cond, &g->mutex);
            if (g->stop) break;
            g->scheduled[(g->staged + 1) % PC_RECORD_RING] = at;
            pc_stage_locked(g, record);
        }
        int stop = g->stop;
        pthread_mutex_unlock(&g->mutex);
        if (stop) break;
    }
    g->records[a->index] = k;
    return NULL;
}

int cbase_pipelined_commit(int direct_fd, uint64_t file_size, size_t record_bytes, size_t producers, unsigned depth,
                           double offered_rate, double seconds, size_t batch_capacity,
                           struct cbase_pipeline_result *result) {
    size_t buffer_bytes = (batch_capacity + 4095) / 4096 * 4096 + 8192;  // + carried tail block, rounding
    if (!result || record_bytes == 0 || record_bytes > 65536 || producers == 0 || depth < 1 || depth > PC_MAX_DEPTH
        || batch_capacity < record_bytes || !(offered_rate >= 0) || !(seconds > 0)
        || file_size < 2 * (uint64_t)(depth + 1) * buffer_bytes)  // a wrapped write never meets one in flight
        return -EINVAL;
    memset(result, 0, sizeof *result);
    struct pipelined *g = calloc(1, sizeof *g);
    if (!g) return -ENOMEM;
    int rc = 0;
    pthread_mutex_init(&g->mutex, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&g->go_cond, NULL);
    pthread_cond_init(&g->idle_cond, NULL);
    pthread_cond_init(&g->space_cond, NULL);
    pthread_cond_init(&g->released_cond, &monotonic);
    for (unsigned i = 0; i < PC_BATCH_RING; i++) pthread_cond_init(&g->batch[i].acked, NULL);
    g->depth = depth;
    g->record_bytes = record_bytes;
    g->capacity = batch_capacity;
    g->fd = direct_fd;
    g->file_size = file_size;
    g->open_loop = offered_rate > 0;
    g->period_ns = g->open_loop ? 1e9 / offered_rate : 0;
    g->records = calloc(producers, sizeof(uint64_t));
    pthread_t *threads = calloc(producers, sizeof(pthread_t));
    struct pc_producer_arg *args = calloc(producers, sizeof *args);
    if (g->open_loop) g->scheduled = calloc(PC_RECORD_RING, sizeof(uint64_t));
    for (unsigned i = 0; i <= depth; i++) {
        if (posix_memalign((void **)&g->buffer[i], 4096, buffer_bytes) != 0) g->buffer[i] = NULL;
        else memset(g->buffer[i], 0, buffer_bytes);
        if (!g->buffer[i]) rc = -ENOMEM;
    }
    if (!g->records || !threads || !args || (g->open_loop && !g->scheduled)) rc = -ENOMEM;
    g->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (g->kick_fd < 0 && rc == 0) rc = -errno;
    int ring = 0;
    if (rc == 0) rc = io_uring_queue_init(16, &g->ring, 0);
    if (rc == 0) {
        ring = 1;
        pthread_t committer;
        pthread_create(&committer, NULL, pc_committer, g);
        size_t threads_count = g->open_loop ? 1 : producers;
        for (size_t i = 0; i < threads_count; i++) {
            args[i].g = g;
            args[i].index = i;
            pthread_create(&threads[i], NULL, g->open_loop ? pc_scheduler : pc_producer, &args[i]);
        }
        pthread_mutex_lock(&g->mutex);
        g->start_ns = now_ns() + 5000000;  // every thread woken and waiting for the start
        g->deadline_ns = g->start_ns + (uint64_t)(seconds * 1e9);
        g->go = 1;
        pthread_cond_broadcast(&g->go_cond);
        pthread_mutex_unlock(&g->mutex);
        uint64_t stopped;
        if (!g->open_loop) {
            pc_sleep_until(g->deadline_ns);
            pthread_mutex_lock(&g->mutex);
            stopped = now_ns();
            pc_stop_locked(g);
            pthread_mutex_unlock(&g->mutex);
            for (size_t i = 0; i < threads_count; i++) pthread_join(threads[i], NULL);
        } else {
            pthread_join(threads[0], NULL);
            // Drain: every issued record acknowledged (or give up 10 s after the schedule ends).
            uint64_t limit_ns = g->deadline_ns + 10000000000ull;
            struct timespec limit = { (time_t)(limit_ns / 1000000000ull), (long)(limit_ns % 1000000000ull) };
            pthread_mutex_lock(&g->mutex);
            while (g->durable < g->staged && !g->stop) {
                if (pthread_cond_timedwait(&g->released_cond, &g->mutex, &limit) == ETIMEDOUT) {
                    if (!g->error) g->error = -ETIMEDOUT;
                    break;
                }
            }
            stopped = g->last_release_ns > g->start_ns ? g->last_release_ns : now_ns();
            pc_stop_locked(g);
            pthread_mutex_unlock(&g->mutex);
        }
        pthread_join(committer, NULL);
        rc = g->error;
        uint64_t total = 0;
        for (size_t i = 0; i < producers; i++) total += g->records[i];
        result->records = g->open_loop ? g->durable : total;
        result->batches = g->batches;
        result->bytes_written = g->bytes_written;
        result->padding_bytes = g->padding;
        result->max_in_flight = g->max_in_flight;
        result->latency_samples = g->latency.total;
        result->seconds = (double)(stopped - g->start_ns) / 1e9;
        result->p50_us = pc_percentile_us(&g->latency, 50);
        result->p99_us = pc_percentile_us(&g->latency, 99);
        result->p999_us = pc_percentile_us(&g->latency, 99.9);
        result->mean_us = g->latency.total ? g->latency.sum / (double)g->latency.total / 1000.0 : 0;
        result->max_us = (double)g->latency.max / 1000.0;
    }
    if (ring) io_uring_queue_exit(&g->ring);
    if (g->kick_fd >= 0) close(g->kick_fd);
    for (unsigned i = 0; i <= depth; i++) free(g->buffer[i]);
    for (unsigned i = 0; i < PC_BATCH_RING; i++) pthread_cond_destroy(&g->batch[i].acked);
    pthread_cond_destroy(&g->go_cond);
    pthread_cond_destroy(&g->idle_cond);
    pthread_cond_destroy(&g->space_cond);
    pthread_cond_destroy(&g->released_cond);
    pthread_condattr_destroy(&monotonic);
    pthread_mutex_destroy(&g->mutex);
    free(g->scheduled);
    free(g->records);
    free(threads);
    free(args);
    free(g);
    return rc;
}
