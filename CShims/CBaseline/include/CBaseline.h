// CBaseline: the thinnest loops aq-bench compares the log against. Each writes `batches`
// copies of one `batch_bytes` buffer at consecutive offsets from `offset` (wrapping at
// `wrap`, 0 for none) into an already zero-filled file, and records each batch's
// write->durable nanoseconds into `latency_ns` (may be NULL). Returns 0 or -errno.
#ifndef CBASELINE_H
#define CBASELINE_H
#include <stdint.h>
#include <stddef.h>

/// io_uring: one linked write + fdatasync submission per batch, waited for together.
int cbase_uring_write_sync(int fd, const void *buf, size_t batch_bytes, size_t batches,
                           uint64_t offset, uint64_t wrap, uint64_t *latency_ns);
/// io_uring: one write flagged RWF_DSYNC per batch (what the log's O_DIRECT path submits).
int cbase_uring_write_dsync(int fd, const void *buf, size_t batch_bytes, size_t batches,
                            uint64_t offset, uint64_t wrap, uint64_t *latency_ns);
/// pwrite (continuing short writes) then, when `sync`, fdatasync per batch.
int cbase_pwrite_loop(int fd, const void *buf, size_t batch_bytes, size_t batches,
                      uint64_t offset, uint64_t wrap, int sync, uint64_t *latency_ns);
/// The deferred contract without a log: batches written (buffered) into fresh `fallocate`d
/// files of `segment_bytes` under `dir`, write-back started every `writeback_bytes`, one
/// fdatasync when a file is full (then the next file; only the last two are kept). The final
/// partial file is left unsynced, as a timed log run ends before its close.
int cbase_segmented_write(const char *dir, const void *buf, size_t batch_bytes, size_t batches,
                          uint64_t segment_bytes, uint64_t writeback_bytes, uint64_t *latency_ns);
/// The log's architecture in C, with threads instead of tasks: `producers` threads each
/// append one `record_bytes` record at a time into a shared double buffer (at most
/// `batch_capacity` bytes) and wait until it is durable; one committer thread writes each
/// batch as whole O_DIRECT blocks (rewriting the partial tail block next time, as the log
/// does) with one RWF_DSYNC io_uring write while the next batch fills. Runs `seconds`.
/// `records[i]`: records producer i appended; `latency_ns[i * latency_per_producer + k]`:
/// append->durable of its k-th record (the first `latency_per_producer` only).
int cbase_group_commit(int direct_fd, uint64_t file_size, size_t record_bytes, size_t producers, double seconds,
                       size_t batch_capacity, uint64_t *records, uint64_t *commits,
                       uint64_t *latency_ns, size_t latency_per_producer);
/// Extends the file to `size` bytes of written zeros and syncs it (like the log's segments).
int cbase_zero_fill(int fd, uint64_t size);
/// posix_fadvise(POSIX_FADV_DONTNEED) over the whole file (drops clean cached pages).
int cbase_drop_cache(int fd);
#endif
