#include <isa-l/crc.h>
#include <zlib.h>
#include <limits.h>
#include <string.h>
#include <stdlib.h>
#include "CCRC.h"
#if defined(__x86_64__)
#include <nmmintrin.h>
#include "FrameChecksum.h"

// The frame checksum (FrameChecksum.h) and the folds below use the crc32 instruction directly:
// ISA-L's set-up would dominate 12 header bytes or a 4-byte digest fold. Callers check
// ccrc_cpu_has_sse42() first.
__attribute__((target("sse4.2")))
uint32_t ccrc_frame_checksum(const void *frame, size_t payload_length) { return frame_checksum(frame, payload_length); }

__attribute__((target("sse4.2")))
uint32_t ccrc_frame_fields(uint32_t payload_crc, uint32_t word, uint64_t sequence) {
    // Header bytes 4..<16 as little-endian words: the length word and the sequence's low half,
    // then its high half.
    uint64_t s = _mm_crc32_u64(~payload_crc, (uint64_t)word | (sequence << 32));
    return ~_mm_crc32_u32((uint32_t)s, (uint32_t)(sequence >> 32));
}

__attribute__((target("sse4.2")))
uint32_t ccrc_fold(uint32_t digest, uint32_t value) {
    return ~_mm_crc32_u32(~digest, value);
}
#else
uint32_t ccrc_frame_checksum(const void *frame, size_t payload_length) { (void)frame; (void)payload_length; return 0; }
uint32_t ccrc_fold(uint32_t digest, uint32_t value) { (void)digest; (void)value; return 0; }
uint32_t ccrc_frame_fields(uint32_t payload_crc, uint32_t word, uint64_t sequence) { (void)payload_crc; (void)word; (void)sequence; return 0; }
#endif

uint32_t ccrc_crc32c_isal(uint32_t crc, const void *buf, size_t len) {
    // crc32_iscsi takes an int length: feed it in chunks below INT_MAX.
    uint32_t state = ~crc;
    const unsigned char *p = buf;
    while (len > 0) {
        int n = len > (size_t)(1 << 30) ? (1 << 30) : (int)len;
        state = crc32_iscsi((unsigned char *)p, n, state);
        p += n; len -= (size_t)n;
    }
    return ~state;
}

uint32_t ccrc_crc32_zlib(uint32_t crc, const void *buf, size_t len) {
    const Bytef *p = buf;
    uLong state = crc;
    while (len > 0) {
        uInt n = len > (size_t)(1u << 30) ? (1u << 30) : (uInt)len;
        state = crc32(state, p, n);
        p += n; len -= n;
    }
    return (uint32_t)state;
}

int ccrc_hardware_engine = 0;

__attribute__((constructor))
static void ccrc_choose_engine(void) {
    const char *forced = getenv("AQLOG_CRC");
    ccrc_hardware_engine = ccrc_cpu_has_sse42() && !(forced != NULL && strcmp(forced, "portable") == 0);
}

int ccrc_cpu_has_sse42(void) {
    // x86-64 only: the hardware engine's frame checksum and digest fold use the crc32
    // instruction in 64-bit form, built for x86-64 alone.
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    return 0;
#endif
}
