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
#include "LatencyHistogram.h"

// --- Commits in flight: the log's write path with up to `depth` batches written at once ---

#define PC_MAX_DEPTH 4
#define PC_BATCH_RING 1024u         // batches started and not yet acknowledged, at most
#define PC_RECORD_RING (1u << 20)   // open loop: records staged and not yet acknowledged, at most
#define PC_KICK_TAG UINT64_MAX      // the poll on the committer's eventfd

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
