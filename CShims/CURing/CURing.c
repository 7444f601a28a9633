#define _GNU_SOURCE
#include <fcntl.h>
#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <liburing.h>
#include "CURing.h"

struct curing_ring { struct io_uring ring; };

curing_ring *curing_ring_create(unsigned entries, int *error) {
    curing_ring *r = calloc(1, sizeof(*r));
    if (!r) { *error = -ENOMEM; return NULL; }
    int rc = io_uring_queue_init(entries, &r->ring, 0);
    if (rc < 0) { free(r); *error = rc; return NULL; }
    *error = 0;
    return r;
}

void curing_ring_destroy(curing_ring *r) { io_uring_queue_exit(&r->ring); free(r); }

int curing_queue_write(curing_ring *r, int fd, const void *buf, unsigned nbytes, uint64_t offset, uint64_t tag, int link) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
    if (!sqe) return -EBUSY;
    io_uring_prep_write(sqe, fd, buf, nbytes, offset);
    io_uring_sqe_set_data64(sqe, tag);
    if (link) io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
    return 0;
}

int curing_queue_write_dsync(curing_ring *r, int fd, const void *buf, unsigned nbytes, uint64_t offset, uint64_t tag,
                             int refused) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
    if (!sqe) return -EBUSY;
    io_uring_prep_write(sqe, fd, buf, nbytes, offset);
    /* A flag bit no kernel knows makes the kernel answer EOPNOTSUPP, as one without RWF_DSYNC does. */
    sqe->rw_flags = RWF_DSYNC | (refused ? (int)0x40000000 : 0);
    io_uring_sqe_set_data64(sqe, tag);
    return 0;
}

int curing_queue_fdatasync(curing_ring *r, int fd, uint64_t tag, int link) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
    if (!sqe) return -EBUSY;
    io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data64(sqe, tag);
    if (link) io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
    return 0;
}

int curing_submit_and_wait(curing_ring *r, unsigned wait_nr) { return io_uring_submit_and_wait(&r->ring, wait_nr); }

int curing_wait_completion(curing_ring *r, uint64_t *tag, int32_t *res) {
    struct io_uring_cqe *cqe = NULL;
    int rc = io_uring_wait_cqe(&r->ring, &cqe);
    if (rc < 0) return rc;
    *tag = io_uring_cqe_get_data64(cqe);
    *res = cqe->res;
    io_uring_cqe_seen(&r->ring, cqe);
    return 0;
}

int curing_wait_completion_timeout(curing_ring *r, uint64_t *tag, int32_t *res, int64_t timeout_ns) {
    struct io_uring_cqe *cqe = NULL;
    struct __kernel_timespec ts = { .tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000 };
    int rc = io_uring_wait_cqe_timeout(&r->ring, &cqe, &ts);
    if (rc < 0) return rc;
    *tag = io_uring_cqe_get_data64(cqe);
    *res = cqe->res;
    io_uring_cqe_seen(&r->ring, cqe);
    return 0;
}

const int CURING_O_DIRECT = O_DIRECT;
int curing_fallocate(int fd, int mode, off_t offset, off_t len) { return fallocate(fd, mode, offset, len); }
int curing_start_writeback(int fd, off_t offset, off_t len) { return sync_file_range(fd, offset, len, SYNC_FILE_RANGE_WRITE); }
int curing_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }
int curing_errno(void) { return errno; }
int curing_name_thread(const char *name) { return pthread_setname_np(pthread_self(), name); }
