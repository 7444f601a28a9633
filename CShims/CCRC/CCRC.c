#include <isa-l/crc.h>
#include <zlib.h>
#include <limits.h>
#include "CCRC.h"

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

int ccrc_cpu_has_sse42(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    return 0;
#endif
}
