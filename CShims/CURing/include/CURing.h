// CURing: thin C wrappers over liburing and the GNU-only calls that Swift's Glibc module
// does not import. No policy lives here: what to write, what to link and how to map errors
// is decided in Swift (Sources/AQLog/IO/URingFile.swift).
//
// The ring is opaque to Swift on purpose: liburing's bundled <liburing/io_uring.h> and the
// kernel's <linux/io_uring.h> (imported by swift-system) define the same structs, and Clang
// modules refuse the duplicate. Keeping liburing.h out of this header avoids the clash.
#ifndef CURING_H
#define CURING_H

#include <spawn.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct curing_ring curing_ring;

/// io_uring_queue_init; NULL on failure with -errno in *error.
curing_ring *curing_ring_create(unsigned entries, int *error);
/// io_uring_queue_exit + free.
void curing_ring_destroy(curing_ring *ring);
/// io_uring_prep_write on a fresh SQE; `link` sets IOSQE_IO_LINK. -EBUSY when the SQ is full.
int curing_queue_write(curing_ring *ring, int fd, const void *buf, unsigned nbytes, uint64_t offset, uint64_t tag, int link);
/// io_uring_prep_write with RWF_DSYNC (completes once the range is durable, like a write
/// followed by fdatasync of that range). -EBUSY when the SQ is full.
/// `refused` (tests only) adds a flag bit the kernel does not know, so it answers EOPNOTSUPP
/// as a kernel without RWF_DSYNC on io_uring does.
int curing_queue_write_dsync(curing_ring *ring, int fd, const void *buf, unsigned nbytes, uint64_t offset, uint64_t tag,
                             int refused);
/// io_uring_prep_fsync(IORING_FSYNC_DATASYNC) on a fresh SQE. -EBUSY when the SQ is full.
int curing_queue_fdatasync(curing_ring *ring, int fd, uint64_t tag, int link);
/// io_uring_submit_and_wait.
int curing_submit_and_wait(curing_ring *ring, unsigned wait_nr);
/// io_uring_wait_cqe + io_uring_cqe_seen: the completion's tag and result.
int curing_wait_completion(curing_ring *ring, uint64_t *tag, int32_t *res);
/// io_uring_wait_cqe_timeout: as curing_wait_completion, or -ETIME after timeout_ns.
int curing_wait_completion_timeout(curing_ring *ring, uint64_t *tag, int32_t *res, int64_t timeout_ns);

// --- GNU-only file calls (need _GNU_SOURCE) ---
extern const int CURING_O_DIRECT;
int curing_fallocate(int fd, int mode, off_t offset, off_t len);
/// sync_file_range(SYNC_FILE_RANGE_WRITE): start write-back of a range, without waiting.
int curing_start_writeback(int fd, off_t offset, off_t len);
int curing_open(const char *path, int flags, mode_t mode);
/// statx(STATX_DIOALIGN): the memory and file-offset alignment O_DIRECT needs on `fd`'s file
/// system (offset 0: no O_DIRECT there). -EOPNOTSUPP where the kernel does not report it.
int curing_dio_alignment(int fd, uint32_t *mem_align, uint32_t *offset_align);
int curing_errno(void);
/// pthread_setname_np on the calling thread (ERANGE for names over 15 bytes).
int curing_name_thread(const char *name);
/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34): the child closes every descriptor
/// from `from` on. -ENOSYS where the C library lacks it.
int curing_spawn_close_from(posix_spawn_file_actions_t *actions, int from);

/// The processors this process may run on (sched_getaffinity: what taskset or a cpuset leaves
/// it), at least 1; the online count when that call fails.
int curing_usable_processors(void);

#endif
