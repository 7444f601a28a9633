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
/// fdatasync when a file is full (then the next file). Only the last two files are kept unless
/// `keep_files` (as a log keeps its segments, and with them their cached pages); all are
/// removed at the end. The final partial file is left unsynced, as a timed log run ends before
/// its close.
int cbase_segmented_write(const char *dir, const void *buf, size_t batch_bytes, size_t batches,
                          uint64_t segment_bytes, uint64_t writeback_bytes, int keep_files, uint64_t *latency_ns);
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
/// What `cbase_pipelined_commit` measured.
struct cbase_pipeline_result {
    uint64_t records;        // records acknowledged
    uint64_t batches;        // batch writes completed
    uint64_t bytes_written;  // bytes handed to the device (whole blocks; tail blocks rewritten)
    uint64_t padding_bytes;  // zeros left between a batch's end and the next batch's fresh block
    uint64_t max_in_flight;  // most batch writes in flight at once
    uint64_t latency_samples;
    double seconds;          // closed loop: start -> stop; open loop: start -> last acknowledgement
    double p50_us, p99_us, p999_us, mean_us, max_us;  // per record (see cbase_pipelined_commit)
};
/// The log's write path with up to `depth` (1...4) commits in flight, one io_uring ring: a
/// committer thread starts the next batch (at most `batch_capacity` bytes of `record_bytes`
/// records) as soon as records are staged and fewer than `depth` writes are in flight, reaps
/// completions in any order and acknowledges batches strictly in order (a batch's records only
/// once it and every earlier batch completed). Each batch is one O_DIRECT write of whole
/// 4096-byte blocks flagged RWF_DSYNC; a batch started while no write is in flight rewrites
/// the previous batch's partial tail block (as the log does today), one started while another
/// write is in flight begins on a fresh block (the rest of the previous block stays zero:
/// `padding_bytes`). `file_size` must hold 2 * (depth + 1) batches; writes wrap to offset 0.
/// `offered_rate` 0, closed loop: `producers` threads each append one record and wait for its
/// acknowledgement, for `seconds`; latency = append -> the producer sees its acknowledgement.
/// `offered_rate` > 0, open loop: one scheduler thread issues record k at start + k /
/// `offered_rate` for `seconds` without waiting (waking at most every 20 µs, staging every
/// record due), then every record is drained; latency = scheduled time -> release of the
/// record's acknowledgement, so a late record counts from when it should have been issued.
/// Latencies go to a log-linear histogram (64 sub-buckets per power of two, ~1.6%).
int cbase_pipelined_commit(int direct_fd, uint64_t file_size, size_t record_bytes, size_t producers, unsigned depth,
                           double offered_rate, double seconds, size_t batch_capacity,
                           struct cbase_pipeline_result *result);
/// Extends the file to `size` bytes of written zeros and syncs it (like the log's segments).
int cbase_zero_fill(int fd, uint64_t size);
/// posix_fadvise(POSIX_FADV_DONTNEED) over the whole file (drops clean cached pages).
int cbase_drop_cache(int fd);
/// Reads each of `paths` whole and checksums the bytes with ISA-L's CRC-32C (the log's
/// engine): `pread` in 1 MiB chunks, or, with `use_mmap`, one read-only mapping per file.
/// `bytes_out`: bytes read; `crc_out`: the CRC of their concatenation; `nanos_out`: elapsed.
int cbase_read_checksum(const char *const *paths, size_t count, int use_mmap, uint64_t *bytes_out, uint32_t *crc_out,
                        uint64_t *nanos_out);
/// Walks each of `paths` (segment files) frame by frame through one read-only mapping per file,
/// checking every frame's checksum with the same engine: the raw work of a reader that checks
/// each frame on its own. `bytes_out`: the files' bytes; `frames_out`: frames that passed.
int cbase_walk_frames(const char *const *paths, size_t count, uint64_t *bytes_out, uint64_t *frames_out,
                      uint64_t *nanos_out);
/// Drops the cached pages of each of `paths` (`POSIX_FADV_DONTNEED`): the next read is cold.
int cbase_drop_files(const char *const *paths, size_t count);
/// CRC-32C by slicing-by-8 in portable C (8 tables of 256 entries, 8 bytes a step).
uint32_t cbase_crc32c_slicing_by_8(uint32_t crc, const void *buf, size_t len);

#endif
