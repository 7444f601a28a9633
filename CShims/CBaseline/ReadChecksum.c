// The raw work under verify and the open-segment scan: read files and checksum them with the
// same CRC-32C engine (ISA-L), and a portable slicing-by-8 CRC-32C to hold the Swift one to.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "CBaseline.h"

static uint64_t clock_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t isal(uint32_t state, const unsigned char *p, size_t len) {
    while (len > 0) {
        int n = len > (size_t)(INT_MAX / 2) ? INT_MAX / 2 : (int)len;
        state = crc32_iscsi((unsigned char *)p, n, state);
        p += n;
        len -= (size_t)n;
    }
    return state;
}

int cbase_drop_files(const char *const *paths, size_t count) {
    for (size_t i = 0; i < count; i++) {
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) return -errno;
        int rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
        if (rc != 0) return -rc;
    }
    return 0;
}

int cbase_read_checksum(const char *const *paths, size_t count, int use_mmap, uint64_t *bytes_out, uint32_t *crc_out,
                        uint64_t *nanos_out) {
    const size_t chunk = 1 << 20;
    unsigned char *buffer = NULL;
    if (!use_mmap && posix_memalign((void **)&buffer, 4096, chunk) != 0) return -ENOMEM;
    uint64_t total = 0;
    uint32_t state = ~0u;
    uint64_t t0 = clock_ns();
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) { rc = -errno; break; }
        struct stat st;
        if (fstat(fd, &st) != 0) { rc = -errno; close(fd); break; }
        size_t size = (size_t)st.st_size;
        if (use_mmap) {
            if (size > 0) {
                void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
                if (map == MAP_FAILED) { rc = -errno; close(fd); break; }
                madvise(map, size, MADV_SEQUENTIAL);
                state = isal(state, map, size);
                munmap(map, size);
            }
        } else {
            size_t off = 0;
            while (off < size) {
                ssize_t n = pread(fd, buffer, chunk, (off_t)off);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) { rc = n < 0 ? -errno : -EIO; break; }
                state = isal(state, buffer, (size_t)n);
                off += (size_t)n;
            }
        }
        total += size;
        close(fd);
    }
    if (nanos_out) *nanos_out = clock_ns() - t0;
    free(buffer);
    if (bytes_out) *bytes_out = total;
    if (crc_out) *crc_out = ~state;
    return rc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>
// The 12 header bytes after the checksum word by the crc32 instruction, as the log does.
// A CPU without SSE4.2 takes ISA-L's path, as the log's own engine choice does.
__attribute__((target("sse4.2")))
static uint32_t header_crc_sse42(uint32_t state, const unsigned char *p) {
    uint64_t low;
    uint32_t high;
    memcpy(&low, p, 8);
    memcpy(&high, p + 8, 4);
    return _mm_crc32_u32((uint32_t)_mm_crc32_u64(state, low), high);
}
static int cpu_has_sse42(void) { __builtin_cpu_init(); return __builtin_cpu_supports("sse4.2") ? 1 : 0; }
static uint32_t header_crc(int sse42, uint32_t state, const unsigned char *p) {
    return sse42 ? header_crc_sse42(state, p) : crc32_iscsi((unsigned char *)p, 12, state);
}
#else
static int cpu_has_sse42(void) { return 0; }
static uint32_t header_crc(int sse42, uint32_t state, const unsigned char *p) { (void)sse42; return crc32_iscsi((unsigned char *)p, 12, state); }
#endif

// The same files walked frame by frame, each frame checked as the segment format requires
// (16-byte header: checksum, length word with the commit flag in bit 31, sequence; then the
// payload padded to 8 bytes; the checksum covers the payload, then header bytes 4..<16): what
// any reader that checks every frame on its own must at least do. From the first frame (offset
// 4096) to the first zero header or the first frame that fails.
int cbase_walk_frames(const char *const *paths, size_t count, uint64_t *bytes_out, uint64_t *frames_out,
                      uint64_t *nanos_out) {
    uint64_t total = 0, frames = 0;
    const int sse42 = cpu_has_sse42();
    uint64_t t0 = clock_ns();
    for (size_t i = 0; i < count; i++) {
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) return -errno;
        struct stat st;
        if (fstat(fd, &st) != 0) { int e = errno; close(fd); return -e; }
        size_t size = (size_t)st.st_size;
        if (size > 0) {
            unsigned char *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
            if (map == MAP_FAILED) { int e = errno; close(fd); return -e; }
            madvise(map, size, MADV_SEQUENTIAL);
            for (size_t at = 4096; at + 16 <= size;) {
                uint32_t stored, word;
                uint64_t sequence;
                memcpy(&stored, map + at, 4);
                memcpy(&word, map + at + 4, 4);
                memcpy(&sequence, map + at + 8, 8);
                if (word == 0 && sequence == 0) break;
                size_t length = word & 0x7FFFFFFFu, frame = 16 + ((length + 7) & ~(size_t)7);
                if (at + frame > size) break;
                uint32_t state = crc32_iscsi(map + at + 16, (int)length, ~0u);
                state = header_crc(sse42, state, map + at + 4);
                if (~state != stored) break;
                frames++;
                at += frame;
            }
            munmap(map, size);
        }
        total += size;
        close(fd);
    }
    if (nanos_out) *nanos_out = clock_ns() - t0;
    if (bytes_out) *bytes_out = total;
    if (frames_out) *frames_out = frames;
    return 0;
}

static uint32_t sb8_table[8][256];
static pthread_once_t sb8_once = PTHREAD_ONCE_INIT;

static void sb8_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        sb8_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) sb8_table[t][i] = (sb8_table[t - 1][i] >> 8) ^ sb8_table[0][sb8_table[t - 1][i] & 0xFF];
    }
}

uint32_t cbase_crc32c_slicing_by_8(uint32_t crc, const void *buf, size_t len) {
    pthread_once(&sb8_once, sb8_init);
    const unsigned char *p = buf;
    uint32_t c = ~crc;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint32_t lo = (uint32_t)w ^ c, hi = (uint32_t)(w >> 32);
        c = sb8_table[7][lo & 0xFF] ^ sb8_table[6][(lo >> 8) & 0xFF] ^ sb8_table[5][(lo >> 16) & 0xFF] ^ sb8_table[4][lo >> 24]
          ^ sb8_table[3][hi & 0xFF] ^ sb8_table[2][(hi >> 8) & 0xFF] ^ sb8_table[1][(hi >> 16) & 0xFF] ^ sb8_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--) c = (c >> 8) ^ sb8_table[0][(c ^ *p++) & 0xFF];
    return ~c;
}
