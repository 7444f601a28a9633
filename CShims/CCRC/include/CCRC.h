// CCRC: the hardware and reference CRC entry points AQLog dispatches to, and the frame checks
// of its read loops (a run of records, a batch's frames) on the hardware engine, where a call
// per frame would cost more than the frame's bytes.
// ISA-L's crc32_iscsi is CRC-32C (Castagnoli) with the caller owning pre/post inversion;
// zlib's crc32 is CRC-32/IEEE and serves as the benchmark and cross-check reference.
#ifndef CCRC_H
#define CCRC_H
#include <stdint.h>
#include <stddef.h>

/// CRC-32C continuing from `crc` (already finalised form, 0 for a fresh start).
uint32_t ccrc_crc32c_isal(uint32_t crc, const void *buf, size_t len);
/// CRC-32/IEEE continuing from `crc` (zlib convention, 0 for a fresh start).
uint32_t ccrc_crc32_zlib(uint32_t crc, const void *buf, size_t len);
/// 1 when the CPU has SSE4.2 (the instruction ISA-L's CRC-32C kernel needs), else 0.
int ccrc_cpu_has_sse42(void);
/// 1 when checksums use the hardware engine: the CPU has SSE4.2 and the environment does not
/// set AQLOG_CRC=portable. Decided once, before main (a constructor), so reading it is one load.
extern int ccrc_hardware_engine;
static inline int ccrc_uses_hardware(void) { return ccrc_hardware_engine; }
/// CRC-32C of a frame laid out as the segment format has it (16-byte header, then
/// payload_length payload bytes): of the payload, continued with header bytes 4..<16.
/// Only where ccrc_cpu_has_sse42() (ISA-L and the crc32 instruction).
uint32_t ccrc_frame_checksum(const void *frame, size_t payload_length);
/// A frame's checksum from its payload's CRC-32C and its header fields: payload_crc continued
/// with header bytes 4..<16 (word, then sequence, little-endian). Only where ccrc_cpu_has_sse42().
uint32_t ccrc_frame_fields(uint32_t payload_crc, uint32_t word, uint64_t sequence);
/// CRC-32C of value's 4 little-endian bytes, continuing digest. Only where ccrc_cpu_has_sse42().
uint32_t ccrc_fold(uint32_t digest, uint32_t value);
/// A record's payload in a segment: where it starts and its length in bytes.
typedef struct { uint32_t offset; uint32_t length; } ccrc_payload;
/// Checks up to `count` records of a segment mapped at `segment` (`limit` bytes may hold
/// frames): record i, sequence first_sequence + i, has its frame at the u32 offsets[i] (a
/// sealed index's little-endian entries or a scan's offsets: x86-64 reads both as they lie).
/// A record passes when its frame lies inside [data_start, limit), is not a commit frame,
/// carries that sequence and a length no larger than max_record_size, and (when verify) its
/// checksum matches. Writes each passing record's payload to out[i]; returns how many passed
/// before the first that did not, or fewer once the frames checked reach max_bytes (one at
/// least), so a caller that stops early has not read far past it.
/// Only where ccrc_cpu_has_sse42().
size_t ccrc_check_run(const void *segment, size_t limit, const void *offsets, size_t count, uint64_t first_sequence,
                      uint32_t max_record_size, size_t data_start, int verify, size_t max_bytes, ccrc_payload *out);
/// The record frames of a batch, checked as a scan accepts them: from file offset `at` of a
/// window that holds the file's bytes from offset `base` (frames may lie below file offset
/// `limit`), each carrying the next sequence from `sequence`, a length no larger than
/// max_record_size and a matching checksum. Stops at a commit frame, at the first frame that
/// fails, after `capacity` frames, or at an offset past 2^32 (offsets are u32); writes each
/// passing frame's file offset and stored checksum, sets *end to the offset after the last,
/// and returns how many passed.
/// Only where ccrc_cpu_has_sse42().
size_t ccrc_check_batch_frames(const void *window, size_t base, size_t at, size_t limit, uint64_t sequence,
                               uint64_t max_record_size, size_t capacity, uint32_t *offsets, uint32_t *checksums,
                               size_t *end);
#endif
