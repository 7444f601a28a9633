// A run of records checked in one call: the per-record work of a reader's walk
// (`SegmentView.checkRun` in AQLog), without a call across the language boundary per record.
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include "CCRC.h"
#if defined(__x86_64__)
#include "FrameChecksum.h"
#define CHECK_RUN_TARGET __attribute__((target("sse4.2")))
#define FRAME_CHECKSUM(frame, length) frame_checksum(frame, length)
#else
// No hardware engine: callers use these only where ccrc_cpu_has_sse42() (see CCRC.h).
#define CHECK_RUN_TARGET
#define FRAME_CHECKSUM(frame, length) ccrc_frame_checksum(frame, length)
#endif

CHECK_RUN_TARGET
size_t ccrc_check_run(const void *segment, size_t limit, const void *offsets, size_t count, uint64_t first_sequence,
                      uint32_t max_record_size, size_t data_start, int verify, size_t max_bytes, ccrc_payload *out) {
    const unsigned char *bytes = segment;
    const unsigned char *entries = offsets;
    size_t bytes_checked = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t entry, stored, word;
        uint64_t sequence;
        memcpy(&entry, entries + 4 * i, 4);
        size_t at = entry;
        if (at < data_start || at + 16 > limit) return i;
        memcpy(&stored, bytes + at, 4);
        memcpy(&word, bytes + at + 4, 4);
        memcpy(&sequence, bytes + at + 8, 8);
        // A commit frame (bit 31) fails the length test: no record's length reaches 2^31.
        uint32_t length = word;
        if (sequence != first_sequence + i || length > max_record_size || length > (uint32_t)INT_MAX) return i;
        size_t size = 16 + (((size_t)length + 7) & ~(size_t)7);
        if (at + size > limit) return i;
        if (verify && FRAME_CHECKSUM(bytes + at, length) != stored) return i;
        out[i].offset = entry + 16;
        out[i].length = length;
        bytes_checked += size;
        if (bytes_checked >= max_bytes) return i + 1;
    }
    return count;
}

CHECK_RUN_TARGET
size_t ccrc_check_batch_frames(const void *window, size_t base, size_t at, size_t limit, uint64_t sequence,
                               uint64_t max_record_size, size_t capacity, uint32_t *offsets, uint32_t *checksums,
                               size_t *end) {
    const unsigned char *bytes = window;  // bytes[k] is the file's byte base + k
    size_t n = 0;
    while (n < capacity && at + 16 <= limit && at <= UINT32_MAX) {
        uint32_t stored, word;
        uint64_t found;
        const unsigned char *frame = bytes + (at - base);
        memcpy(&word, frame + 4, 4);
        if (word & 0x80000000u) break;  // the batch's commit frame
        size_t size = 16 + (((size_t)word + 7) & ~(size_t)7);
        memcpy(&stored, frame, 4);
        memcpy(&found, frame + 8, 8);
        if (word > max_record_size || at + size > limit || found != sequence || FRAME_CHECKSUM(frame, word) != stored) break;
        offsets[n] = (uint32_t)at;
        checksums[n] = stored;
        n++;
        sequence++;
        at += size;
    }
    *end = at;
    return n;
}
