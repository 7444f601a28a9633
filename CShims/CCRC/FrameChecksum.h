// A frame's checksum as the segment format defines it, inlined into the loops that check
// frames (one call per frame, and the checks around it, cost more than a small frame's bytes).
// x86-64 only: ISA-L for the payload, the crc32 instruction for the header.
#ifndef CCRC_FRAME_CHECKSUM_H
#define CCRC_FRAME_CHECKSUM_H
#include <isa-l/crc.h>
#include <limits.h>
#include <nmmintrin.h>
#include <string.h>
#include "CCRC.h"

enum { FRAME_PREFETCH_DISTANCE = 4096, FRAME_PREFETCH_MOST = 4096 };

/// CRC-32C of the frame at `bytes`: of its payload_length payload bytes, continued with
/// header bytes 4..<16.
__attribute__((target("sse4.2"), always_inline))
static inline uint32_t frame_checksum(const unsigned char *bytes, size_t payload_length) {
    // Frames are read in file order: ask for the bytes one frame's length further on, a page
    // ahead. A checksum per small frame leaves the hardware prefetchers too little of a stream
    // to follow, and a walk over 256-byte frames in memory not yet cached then waits on each
    // frame's first line. Up to a page of it: a walk over 4 KiB frames keeps up with one
    // checksum over the same bytes only when the whole next frame is asked for. A prefetch
    // never faults: past a mapping's end, or in a page not yet mapped, it is dropped.
    const unsigned char *ahead = bytes + FRAME_PREFETCH_DISTANCE;
    size_t span = 16 + payload_length < FRAME_PREFETCH_MOST ? 16 + payload_length : FRAME_PREFETCH_MOST;
    for (size_t k = 0; k < span; k += 64) __builtin_prefetch(ahead + k);
    uint32_t state = ~0u;
    if (payload_length > 0) {
        state = payload_length <= (size_t)INT_MAX ? crc32_iscsi((unsigned char *)bytes + 16, (int)payload_length, state)
                                                  : ~ccrc_crc32c_isal(0, bytes + 16, payload_length);
    }
    // Header bytes 4..<16 as little-endian words: the length word and the sequence's low
    // half, then its high half.
    uint64_t low;
    uint32_t high;
    memcpy(&low, bytes + 4, 8);
    memcpy(&high, bytes + 12, 4);
    return ~_mm_crc32_u32((uint32_t)_mm_crc32_u64(state, low), high);
}
#endif
