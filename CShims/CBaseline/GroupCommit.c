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
